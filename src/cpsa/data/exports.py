"""Read a survey export (CSV or XLSX) into a plain grid of text cells.

This module only gets the cells out of the file; what they mean is checked by
``cpsa.data.validate``. CSV files may be UTF-8, UTF-8 with a byte-order mark, or
Windows-1252 (what Excel writes for "CSV" on many Windows machines). Files that
cannot be read at all raise ``ExportReadError`` with a message saying what to do.
Rows whose number of cells differs from the header are kept and reported by the
validator, so that every problem is reported in one run.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cpsa.errors import ExportReadError  # noqa: F401

# The fixed columns of an export, as the survey tool heads them.
ID_COLUMN = "Respondent ID"
CPP_COLUMN = "Community Planning Partnership"
PARTNER_COLUMN = "Partner type"

_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RawExport:
    """The cells of an export as text; ``""`` is an empty cell."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # data rows; rows[i] is spreadsheet row i + 2
    encoding: str  # "utf-8", "utf-8-sig", "cp1252" or "xlsx"
    truncated: bool = False  # the last row ends mid-record (no final line break)


def read_export(path: Path | str) -> RawExport:
    """Read a CSV or XLSX export; raise ``ExportReadError`` if it is unreadable or empty."""
    path = Path(path)
    if not path.is_file():
        raise ExportReadError(f"{path}: no such file; check the path")
    data = path.read_bytes()
    if not data.strip():
        raise ExportReadError(
            f"{path.name}: the file is empty; export the responses from the survey tool again"
        )
    if path.suffix.lower() in _XLSX_SUFFIXES or data.startswith(_ZIP_MAGIC):
        raw = _read_xlsx(data, path.name)
    else:
        raw = _read_csv(data, path.name)
    if not any(raw.header):
        raise ExportReadError(
            f"{path.name}: the first row is empty; the first row must hold the column headings"
        )
    if not raw.rows:
        raise ExportReadError(
            f"{path.name}: the file has column headings but no responses; "
            "check that you exported the responses and not just the questions"
        )
    return raw


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in data:
        raise ExportReadError(
            f"{name}: this is not a text (CSV) file; save the export as CSV (UTF-8) or XLSX"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ExportReadError(
            f"{name}: the text encoding is not UTF-8 or Windows-1252 (byte {exc.start}); "
            "save the export as 'CSV UTF-8' or as XLSX"
        ) from exc


def _read_csv(data: bytes, name: str) -> RawExport:
    text, encoding = _decode(data, name)
    try:
        # strict: an unterminated quote (a file cut off mid-comment) is an error
        grid = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ExportReadError(
            f"{name}: the CSV file is damaged or truncated ({exc}); export it again"
        ) from exc
    grid = [[c.strip() for c in row] for row in grid]
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        raise ExportReadError(f"{name}: the file is empty; export the responses again")
    header, rows = tuple(grid[0]), grid[1:]
    # a file cut off mid-row ends without a line break and has a short last row
    truncated = bool(rows) and not text.endswith(("\n", "\r")) and len(rows[-1]) < len(header)
    return RawExport(header, tuple(tuple(r) for r in rows), encoding, truncated)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids such as 1042 as 1042.0
    return str(value).strip()


def _read_xlsx(data: bytes, name: str) -> RawExport:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExportReadError(
            f"{name}: the XLSX file is damaged or truncated ({type(exc).__name__}); "
            "open it in Excel and save it again, or export it again"
        ) from exc
    try:
        ws = wb.worksheets[0]
        grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExportReadError(
            f"{name}: the XLSX file is damaged or truncated ({type(exc).__name__}); export it again"
        ) from exc
    finally:
        wb.close()
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        raise ExportReadError(f"{name}: the first worksheet is empty; export the responses again")
    width = max(i + 1 for i, c in enumerate(grid[0]) if c) if any(grid[0]) else 0
    # openpyxl pads rows to the sheet width; trailing empty columns are not columns
    header = tuple(grid[0][:width])
    rows = tuple(
        tuple(r) if any(r[width:]) else tuple(r[:width]) + ("",) * (width - len(r))
        for r in grid[1:]
    )
    return RawExport(header, rows, "xlsx")
