"""Issue 16 (5, 13-16): a round whose comments are the hostile corpus builds, with nothing
injected and nothing lost, into Fife's HTML, PDF and comments.csv.

The corpus (``tests/data/hostile/comments.json``) holds Markdown, pandoc, Typst and
HTML syntax, emoji, bidi and zero-width characters, a 3,000-character word,
spreadsheet formulas, contact details, names and other partnerships' names. It is
written into the Fife rows of the fixture round's export, with a board-members names
file; then Fife's report is built with the real notebook and the built-in renderer.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from fixtures.project import ROUND, make_project

from cpsa import cli
from cpsa.data.text import describe_emoji

pytestmark = pytest.mark.slow

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
CORPUS = json.loads((HOSTILE / "comments.json").read_text(encoding="utf-8"))["comments"]
# a CSV export cannot carry a null byte (cpsa validate refuses the file as not text);
# normalisation of a null byte is tested in tests/unit/data/test_text.py
IN_EXPORT = [c for c in CORPUS if "\x00" not in c["text"]]
FIFE = {"fife", "fife partnership"}
# typography the PDF may apply (pandoc's smart quotes, Typst's "..." shorthand): no word changes
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}
)


def flat(text: str) -> str:
    """Text compared without blanks, invisible break points or typographic quotes and dots."""
    return re.sub(r"[\s\u200b\u00ad]+", "", text).translate(_QUOTES)


def plant(root: Path) -> None:
    data = root / "data" / "demo" / ROUND
    (data / "board_members.txt").write_bytes((HOSTILE / "board_members.txt").read_bytes())
    cfg_file = root / "params" / ROUND / "round.yaml"
    cfg = yaml.safe_load(cfg_file.read_text(encoding="utf-8"))
    cfg["board_members"] = f"data/demo/{ROUND}/board_members.txt"
    cfg_file.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    rows = list(csv.reader((data / "export.csv").read_text(encoding="utf-8").splitlines()))
    header = rows[0]
    boxes = [i for i, h in enumerate(header) if h.startswith("What ")]
    slots = [(r, i) for r in rows[1:] if r[1].strip().lower() in FIFE for i in boxes]
    assert len(slots) >= len(IN_EXPORT)
    for r, _ in slots:
        for i in boxes:
            r[i] = ""
    for (r, i), comment in zip(slots, IN_EXPORT, strict=False):
        r[i] = comment["text"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    (data / "export.csv").write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("hostile") / "project", notebooks="real")
    plant(root)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPSA_ROOT", str(root))
        mp.setenv("CPSA_RENDERER", "builtin")
        mp.setenv("SOURCE_DATE_EPOCH", "1900000000")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli.main(["build", "--round", ROUND, "--cpp", "fife"])
    return root, code, out.getvalue()


def test_the_hostile_round_builds(hostile_build):
    root, code, console = hostile_build
    assert code == 0, console[-3000:]
    assert "bibliography" not in console


@pytest.fixture(scope="module")
def outputs(hostile_build):
    from lxml import html as lxml_html
    from pypdf import PdfReader

    root, code, _ = hostile_build
    assert code == 0
    reports = root / "outputs" / ROUND / "reports"
    page = lxml_html.fromstring((reports / "fife.html").read_bytes())
    pdf = "\n".join(p.extract_text() or "" for p in PdfReader(reports / "fife.pdf").pages)
    table = root / "outputs" / ROUND / "tables" / "by_cpp" / "fife" / "comments.csv"
    return page, pdf, table


def test_html_shows_every_comment_as_plain_text(outputs):
    page, _, _ = outputs
    text = flat(page.text_content())
    items = [li for li in page.iter("li") if li.text_content().startswith("\u201c")]
    assert len(items) >= len(IN_EXPORT)
    for li in items:  # nothing injected: a comment's list item holds no element at all
        assert len(li) == 0, lxml_tostring(li)
    for c in IN_EXPORT:
        for v in c["visible"] + c["marks"]:
            assert flat(v) in text, (c["id"], v)
    # the only links are the table of contents' own (inside its nav)
    assert not page.xpath("//script|//del|//s|//sup|//sub|//iframe|//a[@href][not(ancestor::nav)]")


def test_pdf_text_shows_every_comment(outputs):
    _, pdf, _ = outputs
    # the 3,000-character word runs over a page break: drop the page footer and banner
    text = flat(re.sub(r"Page \d+ of \d+|SYNTHETIC DEMONSTRATION DATA", "", pdf))
    for c in IN_EXPORT:
        for v in c["visible"] + c["marks"]:
            assert flat(v) in text, (c["id"], v)


def test_nothing_redacted_or_hidden_reaches_any_output(outputs):
    page, pdf, table = outputs
    shown = page.xpath("//body//text()[not(ancestor::style) and not(ancestor::script)]")
    texts = {"html": "".join(shown), "pdf": pdf, "csv": table.read_text(encoding="utf-8")}
    for c in IN_EXPORT:
        for where, text in texts.items():
            for a in c["absent"]:
                assert a not in text, (where, c["id"], a)


def test_comments_csv_is_safe_in_a_spreadsheet_and_reads_back_whole(outputs):
    from cpsa.tables.spreadsheet import restore_formula

    _, _, table = outputs
    rows = list(csv.DictReader(table.read_text(encoding="utf-8").splitlines(keepends=True)))
    for row in rows:
        cell = row["text"]
        assert cell[:1] not in "=+-@\t\r\uff1d\uff0b\uff0d\uff20", cell
    restored = flat(describe_emoji(" ".join(restore_formula(r["text"]) for r in rows)))
    for c in IN_EXPORT:
        for v in c["visible"] + c["marks"]:
            assert flat(v) in restored, (c["id"], v)


def lxml_tostring(el) -> str:
    from lxml import etree

    return etree.tostring(el, encoding="unicode")
