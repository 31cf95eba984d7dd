"""Issue 16.5: md.escape makes free text literal for pandoc (PDF route) and mistune (HTML).

Each hostile comment of ``tests/data/hostile/comments.json`` is escaped and read by the real
readers: pandoc's ``markdown`` (every default extension, as render/pdf.py uses it) must give
one paragraph of plain words, and nbconvert's Markdown filter must give one <p> without any
element inside; both must show the text as written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpsa.report import md

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile" / "comments.json"
CORPUS = json.loads(HOSTILE.read_text(encoding="utf-8"))["comments"]
MORE = [
    "\\",
    "a\\",
    "`",
    "<",
    "&",
    "end.",
    "iv. four",
    "A. capital",
    "#. hash list",
    "[ ] task",
    "[x] done",
    "% title",
    "---",
    "***",
    "    indented code",
    "~~~ fence",
    "``` fence",
    "Note:: colons",
    "https://example.org/x",
    "<https://example.org>",
    "\\newcommand{\\x}{y}",
    "a  \nb",
    "$$\nx\n$$",
    "\\begin{equation}x\\end{equation}",
]
CASES = [c["text"] for c in CORPUS] + MORE
_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def expected(text: str) -> str:
    from cpsa.data.text import describe_emoji, normalise

    return _WS.sub(" ", describe_emoji(str(normalise(text)))).strip()


def _inline_text(nodes: list[dict]) -> str:
    out = []
    for n in nodes:
        kind = n["t"]
        if kind == "Str":
            out.append(n["c"])
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "Quoted":  # pandoc's smart quotes: typography only
            q = '"' if n["c"][0]["t"] == "DoubleQuote" else "'"
            out.append(q + _inline_text(n["c"][1]) + q)
        else:
            raise AssertionError(f"pandoc read {kind}: {n}")
    return "".join(out)


def _unbreak(text: str) -> str:
    return text.replace("\u200b", "").translate(_QUOTES)


@pytest.mark.parametrize("text", CASES)
def test_pandoc_reads_one_plain_paragraph_with_every_word(text):
    import pypandoc

    doc = json.loads(pypandoc.convert_text(md.escape(text), "json", format="markdown"))
    blocks = doc["blocks"]
    assert [b["t"] for b in blocks] in ([], ["Para"]), blocks
    got = _inline_text(blocks[0]["c"]) if blocks else ""
    assert _unbreak(got) == expected(text)


@pytest.mark.parametrize("text", CASES)
def test_nbconvert_renders_one_plain_paragraph_with_every_word(text):
    from lxml import html
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out = markdown2html_mistune(md.escape(text)).strip()
    if not expected(text):
        assert out == ""
        return
    frag = html.fragment_fromstring(out, create_parent="div")
    assert [el.tag for el in frag] == ["p"], out
    assert len(frag[0]) == 0, out  # no element inside: no link, emphasis, code, maths
    assert _unbreak(frag[0].text_content()) == expected(text)


@pytest.mark.parametrize("text", ["thanks to @fife_council", "~~x~~ [@key] #set $x$"])
def test_escaped_text_compiles_to_typst_without_markup(text):
    import pypandoc

    typ = pypandoc.convert_text(md.escape(text), "typst", format="markdown")
    assert "@fife" not in typ.replace("\\@", "")
    assert "#strike" not in typ and "#cite" not in typ and "$x$" not in typ.replace("\\$", "")


def test_escaped_text_stays_literal_inside_lists_and_tables():
    import pypandoc

    block = md.join(
        md.bullets([md.escape("1. one"), md.escape("- two"), md.escape("> three")]),
        md.table(["a | b"], [["c | d"], ["=1+1"]]),
    )
    doc = json.loads(pypandoc.convert_text(block, "json", format="markdown"))
    assert [b["t"] for b in doc["blocks"]] == ["BulletList", "Table"]
    items = [_inline_text(item[0]["c"]) for item in doc["blocks"][0]["c"]]
    assert items == ["1. one", "- two", "> three"]


def test_long_words_wrap_and_emoji_are_words():
    out = md.escape("\U0001f600 " + "w" * 200)
    assert out.startswith("\\[emoji: grinning face\\] ")
    assert "\u200b" in out and out.replace("\u200b", "").endswith("w" * 200)
