"""The editable improvement-plan spreadsheet for a board's facilitated session.

``write_plan`` writes ``<slug>-improvement-plan.xlsx``: one row per area for
improvement (the same rows as the report's improvement-planning table) with
empty Action, Lead, Timescale and Resources columns for the board to fill in.
The file is byte-for-byte reproducible (fixed document properties and zip
timestamps) and written atomically.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from cpsa import atomic
from cpsa.config import Paths, get_paths, load_round
from cpsa.data.codebook import load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import areas
from cpsa.tables.read import load_cpp_bundle, resolve_dir

HEADERS = (
    "Theme",
    "Statement (area for improvement)",
    "Why it is listed",
    "Action",
    "Lead",
    "Timescale",
    "Resources",
)
WIDTHS = (28, 60, 40, 40, 18, 16, 24)
# Fixed so that rebuilding unchanged data gives an identical file.
_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_plan(
    *, round_: str, cpp: str, tables_dir: str | Path, target: Path, paths: Paths | None = None
) -> Path:
    """Write the improvement plan of ``cpp`` in ``round_`` to ``target`` (an .xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    paths = paths or get_paths()
    config = load_round(round_, paths)
    codebook = load_codebook(config.codebook, paths)
    bundle = load_cpp_bundle(
        resolve_dir(tables_dir, paths), cpp=cpp, q_threshold=config.thresholds.q_threshold
    )
    name = load_reference(paths).cpp_name(cpp)
    chosen = areas.planning_areas(bundle.items, codebook) if bundle.reportable else ()

    wb = Workbook()
    ws = wb.active
    ws.title = "Improvement plan"
    title = f"{name} Community Planning Partnership: improvement plan ({config.title})"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    note = "Confidential to the board."
    if config.synthetic:
        note += " SYNTHETIC DEMONSTRATION DATA: describes no real board."
    ws["A2"] = note
    ws.append([])
    ws.append(list(HEADERS))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    if not chosen:
        reason = (
            "Too few members answered for results to be shown."
            if not bundle.reportable
            else "No statement met the rule for an area for improvement."
        )
        ws.append(["", reason, "", "", "", "", ""])
    for a in chosen:
        ws.append([a.theme_title, a.statement, a.reason, "", "", "", ""])
    last = ws.max_row
    for row in ws.iter_rows(min_row=header_row, max_row=last):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, w in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    # an Excel table gives screen readers a header row and users filtering
    tab = Table(displayName="ImprovementPlan", ref=f"A{header_row}:G{last}")
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(tab)

    props = wb.properties
    props.title = title
    props.creator = "cpsa"
    props.lastModifiedBy = "cpsa"
    props.language = "en-GB"
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME

    buf = io.BytesIO()
    wb.save(buf)
    atomic.write_bytes(target, _normalise_zip(buf.getvalue()))
    return target


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the xlsx zip with fixed timestamps (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _fix_core_dates(body)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def _fix_core_dates(body: bytes) -> bytes:
    import re

    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
        lambda m: m.group(1) + stamp + m.group(2),
        body,
    )
