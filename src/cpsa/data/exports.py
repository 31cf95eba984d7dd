"""Read a survey export (CSV or XLSX) into a plain grid of text cells.

This module only gets the cells out of the file; what they mean is checked by
``cpsa.data.validate``. The layout (header rows, delimiter, encoding, worksheet)
is recognised by ``cpsa.data.layouts`` and kept on the result, so that validate
can say what it read. Files that cannot be read at all raise ``ExportReadError``
with a message saying what to do. Rows whose number of cells differs from the
header are kept and reported by the validator, so that every problem is reported
in one run.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cpsa.data import layouts
from cpsa.data.layouts import Column, Layout
from cpsa.errors import ExportReadError  # noqa: F401

# The fixed columns of an export, as the survey tool heads them.
ID_COLUMN = "Respondent ID"
CPP_COLUMN = "Community Planning Partnership"
PARTNER_COLUMN = "Partner type"

_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_HEAD = 5  # rows of each worksheet looked at to find the responses


@dataclass(frozen=True)
class RawExport:
    """The cells of an export as text; ``""`` is an empty cell."""

    header: tuple[str, ...]  # each column's key (see layouts.Column.key)
    rows: tuple[tuple[str, ...], ...]  # data rows; rows[i] is spreadsheet row first_row + i
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1252" or "xlsx"
    truncated: bool = False  # the last row ends mid-record (no final line break)
    layout: Layout = field(default_factory=lambda: Layout("one header row", 1, "CSV", "utf-8"))
    columns: tuple[Column, ...] = ()

    @property
    def first_row(self) -> int:
        return self.layout.first_row

    def describe(self) -> str:
        return self.layout.describe(len(self.header), len(self.rows))


def read_export(
    path: Path | str, *, sheet: str | None = None, round_: str | None = None
) -> RawExport:
    """Read a CSV or XLSX export; raise ``ExportReadError`` if it is unreadable or empty.

    ``sheet`` names the XLSX worksheet with the responses (the round's ``sheet:``);
    ``round_`` only makes messages name the right round config.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportReadError(f"{path}: no such file; check the path")
    data = path.read_bytes()
    if not data.strip():
        raise ExportReadError(
            f"{path.name}: the file is empty; export the responses from the survey tool again"
        )
    if path.suffix.lower() in _XLSX_SUFFIXES or data.startswith(_ZIP_MAGIC):
        head, rows, layout, truncated = _read_xlsx(data, path.name, sheet, round_)
    else:
        head, rows, layout, truncated = _read_csv(data, path.name)
    del data
    if not head or not any(head[0]):
        raise ExportReadError(
            f"{path.name}: the first row is empty; the first row must hold the column headings"
        )
    if not rows:
        raise ExportReadError(
            f"{path.name}: the file has column headings but no responses; "
            "check that you exported the responses and not just the questions"
        )
    width = len(head[0])
    columns, matrix = layouts.columns_of(head, width)
    if matrix and not layout.matrix:
        layout = Layout(**{**layout.__dict__, "matrix": matrix})
    return RawExport(
        tuple(c.key for c in columns), rows, layout.encoding, truncated, layout, columns
    )


def _split_head(grid: list) -> tuple[list[list[str]], int]:
    n = layouts.header_rows([list(r) for r in grid[:3]])
    return [list(r) for r in grid[:n]], n


def _read_csv(data: bytes, name: str):
    text, encoding = layouts.decode(data, name)
    delimiter = layouts.choose_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        # strict: an unterminated quote (a file cut off mid-comment) is an error;
        # str.strip returns the same object when there is nothing to strip
        grid = [tuple([c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        raise ExportReadError(
            f"{name}: the CSV file is damaged or truncated ({exc}); export it again"
        ) from exc
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        raise ExportReadError(f"{name}: the file is empty; export the responses again")
    head, n = _split_head(grid)
    rows = tuple(grid[n:])
    del grid
    width = len(head[0])
    # a file cut off mid-row ends without a line break and has a short last row
    truncated = bool(rows) and not text.endswith(("\n", "\r")) and len(rows[-1]) < width
    style = layouts.style_of(n)
    return head, rows, Layout(style, n, "CSV", encoding, delimiter=delimiter), truncated


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids such as 1042 as 1042.0
    return str(value).strip()


def _read_xlsx(data: bytes, name: str, wanted: str | None, round_: str | None):
    from openpyxl import load_workbook

    damaged = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except damaged as exc:
        raise ExportReadError(
            f"{name}: the XLSX file is damaged or truncated ({type(exc).__name__}); "
            "open it in Excel and save it again, or export it again"
        ) from exc
    try:
        heads = {
            ws.title: [
                [_cell_text(v) for v in row]
                for row in ws.iter_rows(max_row=_HEAD, values_only=True)
            ]
            for ws in wb.worksheets
        }
        if len(heads) == 1 and wanted is None:
            sheet = next(iter(heads))
        else:
            sheet = layouts.choose_sheet(heads, wanted, name, round_)
        grid = [tuple(_cell_text(v) for v in row) for row in wb[sheet].iter_rows(values_only=True)]
    except damaged as exc:
        raise ExportReadError(
            f"{name}: the XLSX file is damaged or truncated ({type(exc).__name__}); export it again"
        ) from exc
    finally:
        wb.close()
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        raise ExportReadError(
            f"{name}: the worksheet {sheet!r} is empty; export the responses again"
        )
    head, n = _split_head(grid)
    first = head[0]
    width = max(i + 1 for i, c in enumerate(first) if c) if any(first) else 0
    for r in head[1:]:  # a heading may sit only in a lower header row
        width = max([width] + [i + 1 for i, c in enumerate(r) if c])
    # openpyxl pads rows to the sheet width; trailing empty columns are not columns
    head = [list(r[:width]) + [""] * (width - len(r)) for r in head]
    rows = tuple(
        r if len(r) == width else
        (r if any(r[width:]) else r[:width] + ("",) * (width - len(r)))
        for r in grid[n:]
    )  # fmt: skip
    layout = Layout(layouts.style_of(n), n, "XLSX", "xlsx", sheet=sheet)
    return head, rows, layout, False
