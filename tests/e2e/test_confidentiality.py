"""Issue 7: confidential data stays confidential, proven on a full build with planted strings.

The ``planted_demo`` fixture (conftest.py) builds demo-2026 after planting, in one
comment of every CPP, a unique marker word, an email address and a phone number.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers.planting import PLANTED_PHONE, marker, planted_email

pytestmark = pytest.mark.slow

CONTACT_PATTERNS = {
    "planted phone": re.compile(re.escape(PLANTED_PHONE)),
    "demo phone": re.compile(r"01632\s?960123"),
    "any email": re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.[a-z]{2,}"),
    "demo url": re.compile(r"example\.org/cpp"),
    "respondent id": re.compile(r"\bR2[46]-\d+"),
}


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def office_text(path: Path) -> str:
    """The XML parts of an Office file (XLSX, DOCX, PPTX), where all its text lives."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )


# embedded chart images (base64) hold no text a reader sees; dropping them keeps scans linear
_BLOB = re.compile(r"[A-Za-z0-9+/=\\n]{400,}")


def text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return pdf_text(path)
    if path.suffix in (".xlsx", ".docx", ".pptx"):
        return office_text(path)
    if path.suffix in (".parquet", ".png", ".svg"):
        return ""
    return _BLOB.sub("<blob>", path.read_text(encoding="utf-8", errors="replace"))


def outputs_of(build, name: str) -> dict[str, str]:
    """Every output of one report: HTML, PDF text, notebook, workshop kit, table bundle."""
    files = [
        build.report(name, "html"),
        build.report(name, "pdf"),
        build.paths.executed_notebooks(build.round) / f"{name}.ipynb",
    ]
    reports = build.paths.reports(build.round)
    kit = [f"{name}-improvement-plan.xlsx", f"{name}.docx", f"{name}-workshop.pptx"]
    files += [reports / k for k in kit if (reports / k).exists()]
    bundle = build.paths.tables(build.round) / "by_cpp" / name
    if bundle.is_dir():
        files += sorted(p for p in bundle.rglob("*") if p.is_file())
    return {str(f.relative_to(build.paths.root)): text_of(f) for f in files}


def names_pattern(names: list[str]) -> re.Pattern[str]:
    return re.compile(
        r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len)[::-1]) + r")\b"
    )


def test_the_planted_build_succeeded(planted_demo):
    assert planted_demo.exit_code == 0, planted_demo.console[-3000:]
    assert any(not planted_demo.allowed(s) for s in planted_demo.cpps), "no short report built"
    assert len(planted_demo.cpps) >= 20
    assert planted_demo.report("national", "pdf").is_file()


@pytest.fixture(scope="module")
def all_cpp_names(planted_demo):
    from cpsa.data.reference import load_reference

    ref = load_reference(planted_demo.paths)
    return dict(zip(ref.cpps["slug"], ref.cpps["name"], strict=True))


def test_each_cpp_report_shows_its_own_comments_and_nothing_of_another_cpp(
    planted_demo, all_cpp_names
):
    for slug in planted_demo.cpps:
        others = [n for s, n in all_cpp_names.items() if s != slug]
        other_names = names_pattern(others)
        other_markers = re.compile("|".join(marker(s) for s in all_cpp_names if s != slug))
        texts = outputs_of(planted_demo, slug)
        html = texts[str(planted_demo.report(slug, "html").relative_to(planted_demo.paths.root))]
        kit = {f"{slug}.docx", f"{slug}-workshop.pptx", f"{slug}-improvement-plan.xlsx"}
        assert kit <= {Path(k).name for k in texts}, f"{slug}: workshop kit incomplete"
        if planted_demo.allowed(slug):
            assert marker(slug) in html, f"{slug}: its own comment is missing (test is void)"
        else:  # a short report (too few respondents) shows no comments at all
            assert marker(slug) not in html, f"{slug}: short report shows comments"
        own = planted_demo.names[slug]
        for where, text in texts.items():
            # "Renfrewshire" is inside "East Renfrewshire": mask the own name first
            hit = other_names.search(text.replace(own, "<own CPP>"))
            assert hit is None, f"{where} names another CPP: {hit.group(0)!r}"
            leak = other_markers.search(text)
            assert leak is None, f"{where} carries another CPP's comment: {leak.group(0)}"


def test_no_contact_details_or_respondent_ids_reach_any_output_or_log(planted_demo):
    roots = [
        planted_demo.paths.round_outputs(planted_demo.round),
        planted_demo.paths.outputs / "logs",
    ]
    files = [p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()]
    assert len(files) > 50
    # the publication's contact (round.yaml) is the one address a publication must carry
    from cpsa.config import load_round

    contact = load_round(planted_demo.round, planted_demo.paths).publication.contact
    public = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", contact)
    assert public, "the demo round's publication contact has an address"
    for f in files:
        text = text_of(f)
        for what, pattern in CONTACT_PATTERNS.items():
            # a PDF line may end inside the address: its start is enough to recognise it
            hits = (
                m
                for m in pattern.finditer(text)
                if not any(a.startswith(m.group(0)) for a in public)
            )
            hit = next(hits, None)
            assert hit is None, (
                f"{f.relative_to(planted_demo.paths.root)} leaks {what}: {hit.group(0)!r}"
            )
        for slug in planted_demo.names:
            assert planted_email(slug) not in text


def test_redaction_keeps_the_rest_of_the_comment(planted_demo):
    slug = planted_demo.cpps[0]
    comments = (
        planted_demo.paths.tables(planted_demo.round) / "by_cpp" / slug / "comments.csv"
    ).read_text()
    line = next(ln for ln in comments.splitlines() if marker(slug) in ln)
    assert "email removed" in line.lower() and "phone" in line.lower(), line


def test_logs_never_carry_comment_text(planted_demo):
    log = planted_demo.paths.outputs / "logs" / "cpsa.log"
    if not log.exists():
        pytest.fail("the build wrote no log")
    text = log.read_text() + planted_demo.console
    assert "run build config=" in text, "the build did not log its configuration"
    assert "ZQMARK" not in text
    assert CONTACT_PATTERNS["any email"].search(text) is None


def test_national_report_has_no_verbatim_comments_and_no_result_next_to_a_name(
    planted_demo, all_cpp_names
):
    texts = outputs_of(planted_demo, "national")
    names = names_pattern(list(all_cpp_names.values()))
    for where, text in texts.items():
        assert "ZQMARK" not in text, f"{where} shows a verbatim comment"
    nb = json.loads(
        (planted_demo.paths.executed_notebooks(planted_demo.round) / "national.ipynb").read_text()
    )
    markdown = "\n".join(
        "".join(o["data"]["text/markdown"])
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    )
    for line in markdown.splitlines():
        if names.search(line):
            assert "|" not in line and "%" not in line, f"a CPP is named next to a result: {line}"
    for table in planted_demo.paths.tables(planted_demo.round).glob("*.csv"):
        if table.name.startswith(("national", "variation", "partner", "dont_know", "comment")):
            hit = names.search(table.read_text())
            assert hit is None, f"{table.name} names {hit.group(0)}"


def test_reports_say_who_they_are_for(planted_demo):
    for slug in planted_demo.cpps[:3]:
        html = planted_demo.report(slug, "html").read_text()
        assert (
            f"Confidential to the {planted_demo.names[slug]} Community Planning Partnership board"
            in html
        )


def test_real_exports_cannot_be_committed(project_root, tmp_path):
    probe = project_root / "data" / "raw" / "2026" / "export.csv"
    out = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=project_root)
    assert out.returncode == 0, "data/raw/ is not git-ignored"
