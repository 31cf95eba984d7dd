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
