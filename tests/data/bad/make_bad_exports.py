"""Build the deliberately broken exports in this folder, one per failure mode.

Each file is a small export of three board members built from the codebook, with
exactly one thing wrong. Run ``python tests/data/bad/make_bad_exports.py`` after
changing the codebook; ``tests/test_validate.py`` checks the files are current.
Every file is meant for the fixture round CPPs ``FIXTURE_CPPS``.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

from cpsa.data.codebook import load_codebook
from cpsa.data.demo import export_xlsx_bytes
from cpsa.data.exports import CPP_COLUMN, ID_COLUMN, PARTNER_COLUMN

HERE = Path(__file__).resolve().parent
FIXTURE_CPPS = ("aberdeen-city", "city-of-edinburgh", "fife", "na-h-eileanan-siar")
LABELS = ("Strongly agree", "Agree", "Disagree", "Strongly disagree", "Don't know")


def base_grid() -> list[list[str]]:
    """A valid export: header plus three respondents (names typed as aliases)."""
    cb = load_codebook("psif-board-v1")
    header = [ID_COLUMN, CPP_COLUMN, PARTNER_COLUMN] + [s.text for s in cb.statements]
    for t in cb.themes:
        header += [t.strengths_question, t.improvements_question]
    people = [
        ("A-001", "Aberdeen City", "Elected member"),
        ("A-002", "Edinburgh", "NHS board"),
        ("A-003", "Western Isles", "Community representative"),
    ]
    rows = []
    for k, person in enumerate(people):
        answers = [LABELS[(k + j) % len(LABELS)] for j in range(len(cb.statements))]
        comments = [""] * (2 * len(cb.themes))
        comments[k] = f"Comment number {k + 1}, with a comma."
        rows.append([*person, *answers, *comments])
    return [header, *rows]


def to_csv(grid: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(grid)
    return buf.getvalue().encode("utf-8")


def bad_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}

    def variant(name: str, change) -> None:
        grid = base_grid()
        change(grid)
        files[name] = to_csv(grid)

    def set_cell(row: int, col: int, value: str):
        def change(grid):
            grid[row - 1][col] = value

        return change

    variant("unknown_cpp.csv", set_cell(3, 1, "Edinbrugh"))
    variant("unknown_response.csv", set_cell(2, 5, "Strongly agre"))
    variant("unknown_partner_type.csv", set_cell(4, 2, "Polis"))
    variant("cpp_not_in_round.csv", set_cell(2, 1, "Highland"))
    variant("duplicate_respondent.csv", set_cell(4, 0, "A-001"))

    def drop_column(grid):
        i = grid[0].index(load_codebook("psif-board-v1").statement("GOV03").text)
        for row in grid:
            del row[i]

    variant("missing_statement.csv", drop_column)

    def duplicate_column(grid):
        for row in grid:
            row.append(row[3])
        grid[0][-1] = "ENG01"  # the same statement again, headed by its id

    variant("duplicate_statement.csv", duplicate_column)

    def empty_response(grid):
        grid[3] = grid[3][:3] + [""] * (len(grid[0]) - 3)

    variant("empty_response.csv", empty_response)

    def numeric_codes(grid):  # answers exported as numbers 1-5, no codes: in the round config
        number = {label: str(k + 1) for k, label in enumerate(LABELS)}
        for row in grid[1:]:
            row[3 : 3 + n_statements] = [number[c] for c in row[3 : 3 + n_statements]]

    n_statements = len(load_codebook("psif-board-v1").statements)
    variant("numeric_codes.csv", numeric_codes)

    full = to_csv(base_grid())
    files["truncated.csv"] = full[: len(full) - 200]  # cut off in the last row
    files["header_only.csv"] = to_csv(base_grid()[:1])
    files["empty.csv"] = b""
    files["unreadable.csv"] = bytes(range(256)) * 4  # binary, not text
    xlsx = export_xlsx_bytes_from(base_grid())
    files["truncated.xlsx"] = xlsx[: len(xlsx) // 2]
    files["two_sheets.xlsx"] = two_sheets_xlsx(base_grid())
    return files


def export_xlsx_bytes_from(grid: list[list[str]]) -> bytes:
    import pandas as pd

    return export_xlsx_bytes(pd.DataFrame(grid[1:], columns=grid[0]))


def two_sheets_xlsx(grid: list[list[str]]) -> bytes:
    """The responses on two worksheets (a copy kept by hand): which one is meant?"""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    for name in ("Responses", "Responses (2)"):
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append([v or None for v in row])
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def main(out: Path = HERE) -> int:
    for name, data in sorted(bad_files().items()):
        (out / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
