"""`cpsa build` with the project's real report notebooks on the fixture round.

The figures checked are computed here from the fixture export and board sizes,
not taken from the pipeline's own tables.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fixtures.project import CPPS, FIXTURES, ROUND, make_project
from pypdf import PdfReader

from cpsa import cli
from cpsa.data.reference import load_reference

pytestmark = pytest.mark.slow


def _respondents_and_invited(root: Path, cpp: str) -> tuple[int, int]:
    ref = load_reference()
    rows = list(csv.DictReader((FIXTURES / ROUND / "export.csv").read_text().splitlines()))
    n = sum(ref.match_cpp(r["Community Planning Partnership"]) == cpp for r in rows)
    sizes = csv.DictReader((FIXTURES / ROUND / "board_sizes.csv").read_text().splitlines())
    invited = next(int(r["members_invited"]) for r in sizes if r["cpp"] == cpp)
    return n, invited


def test_real_notebooks_build_every_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "project", notebooks="real")
    monkeypatch.setenv("CPSA_ROOT", str(root))
    monkeypatch.setenv("CPSA_RENDERER", "builtin")
    code = cli.main(["build", "--round", ROUND])
    output = capsys.readouterr().out
    assert code == 0, output
    reports = root / "outputs" / ROUND / "reports"
    for report in ("national", *CPPS):
        assert (reports / f"{report}.html").is_file() and (reports / f"{report}.pdf").is_file()
    for cpp in CPPS:
        assert (reports / f"{cpp}-improvement-plan.xlsx").is_file()

    n, invited = _respondents_and_invited(root, "fife")
    html = (reports / "fife.html").read_text()
    text = "\n".join(p.extract_text() for p in PdfReader(reports / "fife.pdf").pages)
    for doc in (html, " ".join(text.split())):
        assert f"{n} of the {invited} board members" in doc
        assert "Summary" in doc and "Theme profile" in doc
    assert "No description has been provided" not in html
    assert 'alt="' in html and "<th" in html
    national = "\n".join(p.extract_text() for p in PdfReader(reports / "national.pdf").pages)
    assert f"{len(CPPS)} of Scotland" in " ".join(national.split())
    # disclosure gap: 3 reported CPPs < min_reported_cpps, so participation only, no results
    national_html = " ".join((reports / "national.html").read_text().split())
    assert "This overview therefore shows who took part, and no results" in national_html
    for result in ("Theme scores across Scotland", "Diverging bar chart", "Variation between"):
        assert result not in national_html
    release = root / "outputs" / ROUND / "release"
    assert sorted(p.name for p in release.glob("*.csv")) == [
        "participation.csv",
        "participation_cpps.csv",
    ]


def test_an_edited_markdown_cell_reaches_the_html_and_the_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: an analyst edits the CPP notebook's prose; the next build shows it."""
    import json

    root = make_project(tmp_path / "project", notebooks="real")  # a copy of the notebooks
    monkeypatch.setenv("CPSA_ROOT", str(root))
    monkeypatch.setenv("CPSA_RENDERER", "builtin")
    assert cli.main(["build", "--round", ROUND, "--cpp", "fife"]) == 0
    capsys.readouterr()
    assert cli.main(["build", "--round", ROUND, "--cpp", "fife"]) == 0
    assert "0 built, 1 up to date" in capsys.readouterr().out

    notebook = root / "notebooks" / "cpp_report.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "".join(c["source"]).startswith("## Theme profile"))
    cell["source"] = [
        "## Theme profile\n",
        "\n",
        "Zanzibar quokka paragraph added by an analyst.\n",
    ]
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")

    assert cli.main(["build", "--round", ROUND, "--cpp", "fife"]) == 0
    out = capsys.readouterr().out
    assert "1 built, 0 up to date" in out  # the incremental build noticed the edit
    reports = root / "outputs" / ROUND / "reports"
    html = (reports / "fife.html").read_text(encoding="utf-8")
    pdf = " ".join(
        " ".join(p.extract_text() for p in PdfReader(reports / "fife.pdf").pages).split()
    )
    for doc in (html, pdf):
        assert "Zanzibar quokka paragraph added by an analyst." in doc
    # the notebook in git is untouched
    assert (
        "Zanzibar" not in (Path(__file__).parents[2] / "notebooks" / "cpp_report.ipynb").read_text()
    )
