"""Recognise the layout of a survey export, and say what was recognised.

Survey tools export the same responses in several layouts; cpsa reads them all
into one grid of text cells (``cpsa.data.exports.RawExport``) and describes what it
found in one line (``Layout.describe``), which ``cpsa validate`` prints first:

- **header rows**: one (cpsa's own layout, most tools' "condensed" export), two
  (SurveyMonkey: the question, then "Response" or the matrix row's statement) or
  three (Qualtrics: question ids, question text, then ``{"ImportId": ...}``);
- **matrix questions** headed ``Question - Statement`` or ``Question: Statement``
  (the statement part is what ``cpsa map`` matches);
- **CSV** separated by commas, semicolons (Excel in many European locales) or
  tabs ("Unicode text"), encoded as UTF-8 with or without a byte-order mark,
  UTF-16 (with a byte-order mark) or Windows-1252;
- **XLSX** with the responses on any worksheet: the one named ``sheet:`` in the
  round config, or else the only worksheet that looks like responses.

Nothing here knows the codebook: matching columns to statements is ``cpsa.data.colmap``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from cpsa.errors import ExportReadError

# What the second header row of a SurveyMonkey export says under a single-answer question.
SURVEYMONKEY_RESPONSE = ("response", "open-ended response", "other (please specify)")
MATRIX_SEPARATORS = (" - ", " \u2013 ", " \u2014 ", ": ")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_SAMPLE = 1 << 16  # characters of a CSV looked at to choose the delimiter
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:', re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """One column of an export, as its header rows describe it."""

    index: int  # 0-based position
    key: str  # the heading that names the column in columns.yaml (unique in practice)
    text: str  # the wording to match against the codebook (question or matrix statement)
    question_id: str = ""  # Qualtrics's question id (row 1 of 3), "" otherwise


@dataclass(frozen=True)
class Layout:
    """What ``cpsa.data.exports.read_export`` recognised in a file."""

    style: str  # "one header row", "SurveyMonkey-style", "Qualtrics-style"
    header_rows: int
    file_format: str  # "CSV" or "XLSX"
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1252" or "xlsx"
    delimiter: str | None = None  # CSV only
    sheet: str | None = None  # XLSX only
    matrix: str | None = None  # "Question - Statement" when such headings were seen

    @property
    def first_row(self) -> int:
        """The spreadsheet row number of the first response."""
        return self.header_rows + 1

    def describe(self, n_columns: int, n_rows: int) -> str:
        if self.style == "one header row":
            what = f"{self.file_format} export with one header row"
        else:
            what = f"{self.style} {self.file_format} export: {self.header_rows} header rows"
        bits = [what, f"{n_columns} columns", f"{n_rows} responses"]
        if self.file_format == "CSV":
            bits.append(f"{DELIMITERS.get(self.delimiter or ',', repr(self.delimiter))}-separated")
            bits.append(_ENCODING_NAMES.get(self.encoding, self.encoding))
        else:
            bits.append(f"worksheet {self.sheet!r}")
        if self.matrix:
            bits.append(f"matrix questions headed {self.matrix!r}")
        return ", ".join(bits)


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}


# ---------------------------------------------------------------- text encodings


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name), "utf-16"
    if b"\x00" in data:
        # UTF-16 without a byte-order mark is the only text with NUL bytes worth trying
        guess = _charset_guess(data)
        if guess and guess.startswith("utf_16"):
            return _strict(data, guess, name), "utf-16"
        # a few stray NULs in otherwise UTF-8 text (pasted into a comment) are dropped,
        # as ingest's normalisation would drop them, and the detection line says so
        stray = data.count(b"\x00")
        if stray <= max(16, len(data) // 1000):
            try:
                text = data.replace(b"\x00", b"").decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return text, f"UTF-8 ({stray} stray null byte{'s' if stray != 1 else ''} removed)"
        raise ExportReadError(
            f"{name}: this is not a text (CSV) file; save the export as CSV (UTF-8) or XLSX"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ExportReadError(
            f"{name}: the text encoding is not UTF-8, UTF-16 or Windows-1252 (byte {exc.start}); "
            "save the export as 'CSV UTF-8' or as XLSX"
        ) from exc


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExportReadError(
            f"{name}: the file says it is {encoding.upper()} but byte {exc.start} is not; "
            "export it again as 'CSV UTF-8' or as XLSX"
        ) from exc


def _charset_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SAMPLE]).best()
    return None if best is None else best.encoding


# ---------------------------------------------------------------- CSV delimiter


def choose_delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer's guess, checked against the first records.

    The check: split the first records with each delimiter; the right one gives a
    header of more than one cell and (nearly) every record the same width. The
    Sniffer breaks ties, and comma is the default for a one-column file.
    """
    sample = text[:_SAMPLE]
    if len(text) > _SAMPLE:  # a cut record at the end of the sample would spoil the check
        sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ","
    best, best_score = sniffed if sniffed in DELIMITERS else ",", (0, 0, 0)
    for delim in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim)][:50]
        except csv.Error:
            continue
        records = [r for r in records if any(c.strip() for c in r)]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        same = sum(len(r) == width for r in records)
        score = (int(same >= 0.8 * len(records)), width, int(delim == sniffed))
        if score > best_score:
            best, best_score = delim, score
    return best


# ---------------------------------------------------------------- header rows


def header_rows(grid_head: list[list[str]]) -> int:
    """1, 2 or 3: how many of the first rows are headings rather than responses."""
    if len(grid_head) >= 3:
        third = [c for c in grid_head[2] if c]
        if third and sum(bool(_IMPORT_ID.match(c)) for c in third) >= 0.5 * len(third):
            return 3
    if len(grid_head) >= 2:
        second = [c.strip().lower() for c in grid_head[1]]
        if any(c in SURVEYMONKEY_RESPONSE for c in second):
            return 2
    return 1


def _carry_forward(cells: list[str]) -> list[str]:
    """A merged heading over a matrix: each empty cell takes the last heading seen."""
    out, last = [], ""
    for c in cells:
        last = c or last
        out.append(last)
    return out


def columns_of(head: list[list[str]], n: int) -> tuple[tuple[Column, ...], str | None]:
    """The columns described by the header rows ``head``, and the matrix style seen."""
    rows = [list(r) + [""] * (n - len(r)) for r in head]
    if len(rows) == 3:  # Qualtrics: ids, question text, import ids
        cols = tuple(Column(i, rows[0][i] or rows[1][i], rows[1][i], rows[0][i]) for i in range(n))
    elif len(rows) == 2:  # SurveyMonkey: question (carried over a matrix), then sub-heading
        questions = _carry_forward(rows[0])
        cols_list = []
        for i in range(n):
            q, sub = questions[i] if (rows[0][i] or rows[1][i]) else "", rows[1][i]
            if not sub or sub.strip().lower() in SURVEYMONKEY_RESPONSE:
                cols_list.append(Column(i, q, q))
            else:
                cols_list.append(Column(i, f"{q} - {sub}" if q else sub, sub))
        cols = tuple(cols_list)
        if any(c.key != c.text for c in cols):
            return cols, "Question - Statement"
    else:
        cols = tuple(Column(i, rows[0][i], rows[0][i]) for i in range(n))
    return cols, matrix_style([c.text for c in cols])


def matrix_style(texts: list[str]) -> str | None:
    """'Question - Statement' or 'Question: Statement' when several headings share a question."""
    for sep in MATRIX_SEPARATORS:
        prefixes: dict[str, int] = {}
        for t in texts:
            if sep in t:
                p = t.split(sep, 1)[0]
                prefixes[p] = prefixes.get(p, 0) + 1
        if any(k >= 2 for k in prefixes.values()):
            return "Question: Statement" if sep == ": " else f"Question{sep}Statement"
    return None


def wordings(text: str) -> list[str]:
    """The wordings a heading may stand for: itself, then what follows each separator."""
    out = [text]
    for sep in MATRIX_SEPARATORS:
        start = 0
        while (k := text.find(sep, start)) >= 0:
            out.append(text[k + len(sep) :])
            start = k + 1
    return [w.strip() for w in out if w.strip()]


def style_of(n_header_rows: int) -> str:
    return {1: "one header row", 2: "SurveyMonkey-style", 3: "Qualtrics-style"}[n_header_rows]


# ---------------------------------------------------------------- XLSX worksheets


def looks_like_responses(head: list[list[str]]) -> bool:
    """A worksheet of responses has a header of several headings and at least one more row."""
    rows = [r for r in head if any(r)]
    return len(rows) >= 2 and sum(bool(c) for c in rows[0]) >= 4


def choose_sheet(
    sheets: dict[str, list[list[str]]], wanted: str | None, name: str, round_: str | None
) -> str:
    """The worksheet holding the responses (``sheets``: name -> its first rows)."""
    listing = ", ".join(repr(s) for s in sheets)
    where = f"params/{round_}/round.yaml" if round_ else "the round config"
    if wanted is not None:
        if wanted in sheets:
            return wanted
        raise ExportReadError(
            f"{name}: there is no worksheet {wanted!r} (the workbook has {listing}); "
            f"correct 'sheet:' in {where}"
        )
    candidates = [s for s, head in sheets.items() if looks_like_responses(head)]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ExportReadError(
            f"{name}: no worksheet looks like responses (a row of headings, then responses); "
            f"the workbook has {listing}. Check that you exported the responses and not just "
            "the questions"
        )
    raise ExportReadError(
        f"{name}: several worksheets look like responses ({', '.join(map(repr, candidates))}); "
        f"name the one to use as 'sheet: <name>' in {where}"
    )
