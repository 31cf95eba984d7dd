"""Markdown building blocks for the reports: headings, tables, figures, banners.

Every report section is Markdown because both renderers understand it: nbconvert
turns it into HTML and pandoc turns it into Typst. Keeping the markup in one
module means every table gets a header row, every figure gets alt text and a
data table, and text is escaped the same way everywhere.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence

from cpsa.data.text import break_long_words, describe_emoji, normalise

# --------------------------------------------------------------------------- escaping
#
# Free text (comments, but also names and statements) must reach both Markdown
# readers as literal text: pandoc's ``markdown`` reader (PDF route; every
# default extension is on: citations, strikeout, superscript, subscript,
# footnotes and inline notes, raw attributes, bracketed spans, fenced divs,
# line blocks, example and fancy lists, definition lists, TeX maths and raw
# TeX, raw HTML, smart punctuation ...) and nbconvert's mistune (HTML route:
# CommonMark with strikethrough, tables, bare-URL links, task lists,
# definition lists, $/$$ maths and \begin{...} environments).
#
# Both readers treat a backslash before ASCII punctuation as that character, so
# each character that starts a construct is backslash-escaped. A backslash
# itself becomes the entity ``&#92;`` (not ``\\``): no run of backslashes is
# left for mistune's ``\\(``/``\\[``/``\begin`` maths to find. ``<``, ``>``
# become entities, as before. Characters that only matter in some positions
# are escaped there: ``&`` before an entity name, ``:`` in ``::``/``:/``
# (fenced divs, bare URLs), ``-`` in ``--`` (smart dashes, rules), ``.`` in
# ``..`` (smart ellipsis), and the first character of the text if it is
# punctuation or ends an ordered-list marker (``1.``, ``a)``, ``iv.``), since
# the caller may put the text at the start of a block. Quotes are left alone:
# pandoc curls them in the PDF, which changes no word.
_ALWAYS = "`*_{}[]#|~^$@"
_ESCAPE_RE = re.compile(
    r"[\\<>]"  # entities
    r"|[" + re.escape(_ALWAYS) + r"]"
    r"|&(?=#?[A-Za-z0-9]+;)"
    r"|:(?=[:/])|(?<=:):"
    r"|-(?=-)|(?<=-)-"
    r"|\.(?=\.)|(?<=\.)\."
)
_ENTITIES = {"\\": "&#92;", "<": "&lt;", ">": "&gt;"}
_LIST_MARKER = re.compile(r"^(?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,8})([.)])(?=\s|$)")
_PUNCT = frozenset("!\"%&'()*+,-./:;=?")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _ENTITIES.get(ch) or "\\" + ch


def escape(text: object) -> str:
    """Text as literal Markdown for pandoc and nbconvert alike (see the notes above).

    Whitespace (line breaks included) is collapsed to single spaces; the text is
    cleaned as at ingest (control and bidi characters removed, idempotent);
    emoji become words ("[emoji: grinning face]", no font in the PDF draws
    them); a "word" longer than 60 characters gets invisible break points so
    that it wraps.
    """
    flat = " ".join(str(normalise(str(text))).split())
    if not flat.isascii():
        flat = describe_emoji(flat)
    flat = break_long_words(flat)
    out = _ESCAPE_RE.sub(_escape_char, flat)
    head = _LIST_MARKER.match(out)
    if head:  # "1. ..." / "a) ..." would open an ordered list
        i = head.start(1)
        out = out[:i] + "\\" + out[i:]
    elif flat[:1] in _PUNCT and not out.startswith("\\"):  # "+ x", "- x", "(@) x", ": x"
        out = "\\" + out
    return out


def heading(level: int, text: str) -> str:
    """A real Markdown heading; the document title is level 1, sections level 2."""
    if not 1 <= level <= 6:
        raise ValueError(f"heading level must be 1..6, got {level}")
    return f"{'#' * level} {escape(text)}"


def paragraph(*sentences: str) -> str:
    """Sentences (already escaped Markdown) joined into one paragraph."""
    return " ".join(s.strip() for s in sentences if s and s.strip())


def bullets(items: Iterable[str]) -> str:
    """A bulleted list of already escaped Markdown items."""
    return "\n".join(f"- {item}" for item in items)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    align: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    """A pipe table with a header row; cells are escaped, ``align`` is 'l'/'r' per column.

    ``caption`` becomes a bold line above the table (pandoc's table captions do
    not survive the notebook route to HTML, a plain line does).
    """
    headers = [escape(h) for h in headers]
    align = list(align or ["l"] * len(headers))
    if len(align) != len(headers):
        raise ValueError("align needs one entry per column")
    body: list[list[str]] = []
    for row in rows:
        cells = [escape(c) if c is not None else "" for c in row]
        if len(cells) != len(headers):
            raise ValueError(f"row has {len(cells)} cells, table has {len(headers)} columns")
        body.append(cells)
    if not body:
        raise ValueError("a table needs at least one row; say in words that there is no data")
    # pandoc sizes the columns of a wide pipe table by the dashes of its rule
    # line; equal rules squeeze a statement into a column as narrow as a number
    rule = [
        "-" * (w - 1) + ":" if a == "r" else ":" + "-" * (w - 1)
        for a, w in zip(align, column_weights([headers, *body], align=align), strict=True)
    ]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(c if c else " " for c in cells) + " |" for cells in body]
    out = "\n".join(lines)
    return f"**{escape(caption)}**\n\n{out}" if caption else out


def column_weights(
    rows: Sequence[Sequence[str]], *, align: Sequence[str], cap: int = 34
) -> list[int]:
    """A relative width per column, for pandoc (``rows[0]`` is the header).

    Figures ('r' columns) get room for their widest value so "44%–81%" never
    breaks; text columns their typical length, capped so that a column of
    sentences does not crowd out the figures beside it; empty columns room to
    write in. Each gets at least its longest word, which cannot break.
    """
    weights = []
    for a, column in zip(align, zip(*rows, strict=True), strict=True):
        longest_word = max((len(w) for cell in column for w in cell.split()), default=1)
        if not any(c.strip() for c in column[1:]):
            # an empty column is room to write in (the printed improvement plan)
            weights.append(max(longest_word, 12) + 2)
        elif a == "r":
            # + cell padding and the bold header's wider letters
            weights.append(max(3, longest_word, *(len(c) for c in column[1:])) + 4)
        else:
            typical = round(sum(len(c) for c in column[1:]) / (len(column) - 1))
            weights.append(max(3, longest_word, min(cap, typical)) + 2)
    return weights


def figure(svg, *, alt: str) -> str:
    """An SVG figure (bytes, or a matplotlib Figure) as a data URI, with alt text."""
    if not alt or not alt.strip():
        raise ValueError("every figure needs alt text that states its finding")
    if not isinstance(svg, bytes):  # a Figure from cpsa.report.charts
        from cpsa.report.charts import to_svg

        svg = to_svg(svg)
    # Alt text sits inside [...]: brackets and newlines would end it early.
    alt_text = " ".join(alt.split()).replace("[", "(").replace("]", ")")
    alt_text = alt_text.replace("\\", "/").replace("*", "").replace("_", " ")
    data = base64.b64encode(svg).decode("ascii")
    return f"![{alt_text}](data:image/svg+xml;base64,{data})"


def banner(text: str) -> str:
    """A prominent notice (a block quote, styled by both renderers)."""
    return "> " + text.replace("\n", "\n> ")


def join(*blocks: str | None) -> str:
    """Blocks separated by blank lines; empty blocks are dropped."""
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip()) + "\n"
