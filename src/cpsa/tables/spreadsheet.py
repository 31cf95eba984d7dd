"""Cells a spreadsheet would run as a formula, stored as text (CSV/formula injection).

A comment such as ``=cmd|'/c calc'!A1`` or ``@SUM(A1:A9)`` written raw into a
CSV becomes a live formula when an analyst opens the file in Excel or
LibreOffice. Every text cell bound for a spreadsheet goes through
:func:`neutralise_formula`: a cell that starts with ``=``, ``+``, ``-`` or ``@``
(also after blanks, tab, CR or LF, and the full-width ``＝ ＋ － ＠``), or with a
tab or carriage return, gets a leading apostrophe, which spreadsheets treat as
"this is text". A plain number ("-5", "+0.25", "-1e-05") is left alone: it
opens as a number, not a formula.

The change is exactly reversible: :func:`restore_formula` removes that one
apostrophe, so cpsa's own readers get the text back as written. A cell that
already starts with apostrophes before a trigger gets one more, so the pair is
a bijection (``restore_formula(neutralise_formula(x)) == x`` for every ``x``).
XLSX writers should store such cells as strings (xlsxwriter's ``write_string``;
openpyxl ``data_type = "s"``) and may use the same function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

FORMULA_PREFIX = "'"
_TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20"
_RISKY = re.compile(rf"^'*(?:[ \t\r\n]*[{re.escape(_TRIGGERS)}]|[\t\r])")
_FIRST = frozenset(_TRIGGERS + "'\t\r\n ")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?%?$|^[+-]?(?:inf|nan)$")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (or is it a neutralised one)?"""
    if not text or text[0] not in _FIRST:
        return False
    return bool(_RISKY.match(text)) and not _NUMBER.match(text)


def neutralise_formula(text: object) -> object:
    """``text`` with a leading apostrophe if a spreadsheet would run it; anything else unchanged."""
    if isinstance(text, str) and is_formula_like(text):
        return FORMULA_PREFIX + text
    return text


def restore_formula(text: object) -> object:
    """The inverse of :func:`neutralise_formula` (for cpsa's own CSV readers)."""
    if isinstance(text, str) and text[:1] == FORMULA_PREFIX and is_formula_like(text[1:]):
        return text[1:]
    return text


def neutralise_cells(cells: Iterable[str]) -> list[str]:
    """A column of CSV cell strings, each neutralised."""
    return [FORMULA_PREFIX + c if c and c[0] in _FIRST and is_formula_like(c) else c for c in cells]


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A table read from a CSV with every text column restored (numbers untouched)."""
    for c in df.columns:
        col = df[c]
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            if col.map(lambda v: isinstance(v, str) and v[:1] == FORMULA_PREFIX).any():
                df[c] = col.map(restore_formula)
    return df


# the characters that start a formula when a user edits a cell in Excel or LibreOffice
FORMULA_START = ("=", "+", "-", "@")


def set_text(cell, value: object) -> None:
    """Put ``value`` in an openpyxl ``cell``; text is always text, never a formula.

    openpyxl turns a string beginning with ``=`` into a formula, and a
    spreadsheet re-reads ``+``, ``-`` and ``@`` as the start of one when a user
    edits the cell: such text is stored as a string with Excel's quote prefix.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
