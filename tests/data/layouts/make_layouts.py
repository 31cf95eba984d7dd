"""Build the small synthetic exports in this folder, one per layout survey tools produce.

Every file holds the same 40 respondents: the first 40 rows of the demo round's
export (``data/demo/demo-2026/export.csv``), laid out as a survey tool would, WITH
personal-data columns (e-mail, names, IP address, tracking fields) whose values all
contain ``ZQPII`` so a test can prove none of them reaches the processed data or the
outputs. Mapped, validated and ingested, each must give processed data identical to
those 40 rows of the demo export. Deterministic: run
``python tests/data/layouts/make_layouts.py`` after the demo round or codebook changes;
``tests/unit/data/test_layouts.py`` checks the files are current.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

from cpsa.config import get_paths
from cpsa.data.codebook import load_codebook
from cpsa.data.exports import CPP_COLUMN, ID_COLUMN, PARTNER_COLUMN
from cpsa.data.reference import normalise_label

HERE = Path(__file__).resolve().parent
N_ROWS = 40
MARK = "ZQPII"
# Qualtrics-style numeric answers (1 = Strongly disagree, as Qualtrics numbers a Likert scale)
QUALTRICS_CODES = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Agree",
    4: "Strongly agree",
    5: "Don't know",
}
# one statement is worded slightly differently in the Qualtrics survey: cpsa map must
# propose it by closest wording and the analyst confirm it
REWORDED = ("GOV02", "proportionate", "proportional")
CPP_QUESTION = "Which Community Planning Partnership's board do you sit on?"
PARTNER_QUESTION = "Which kind of organisation or group do you represent on the board?"

# file -> what `cpsa validate` must say first, and the round config it needs
LAYOUTS = {
    "one-header.csv": {"says": "CSV export with one header row, 71 columns, 40 responses"},
    "surveymonkey.csv": {"says": "SurveyMonkey-style CSV export: 2 header rows, 75 columns"},
    "qualtrics.csv": {
        "says": "Qualtrics-style CSV export: 3 header rows, 83 columns",
        "codes": QUALTRICS_CODES,
    },
    "semicolon-cp1252.csv": {"says": "semicolon-separated, Windows-1252"},
    "tab-utf16.txt": {"says": "tab-separated, UTF-16"},
    "second-sheet.xlsx": {"says": "XLSX export with one header row, 71 columns, 40 responses"},
}


def demo_rows() -> tuple[list[str], list[list[str]]]:
    """The header and first ``N_ROWS`` rows of the demo-2026 export."""
    path = get_paths().demo / "demo-2026" / "export.csv"
    grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    return grid[0], grid[1 : N_ROWS + 1]


def personal(k: int) -> dict[str, str]:
    """Personal data of respondent ``k``, every value marked."""
    return {
        "email": f"{MARK.lower()}.member{k}@example.org",
        "first": f"{MARK}first{k}",
        "last": f"{MARK}last{k}",
        "ip": f"192.0.2.{k + 1}",  # documentation range; checked separately from the mark
        "custom": f"{MARK}-tracking-{k}",
    }


class _Columns(dict):
    """Heading -> position, looked up with quotes, case and spaces folded."""

    def __missing__(self, key: str) -> int:
        return dict.__getitem__(self, normalise_label(key))


def _columns(header: list[str]) -> _Columns:
    return _Columns({normalise_label(h): i for i, h in enumerate(header)})


def _csv(grid: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(grid)
    return buf.getvalue()


def one_header(header, rows) -> list[list[str]]:
    """cpsa's own layout, with personal data after the fixed columns."""
    out = [header[:3] + ["Email Address", "Full name", "IP Address", "Custom Data 1"] + header[3:]]
    for k, r in enumerate(rows):
        p = personal(k)
        out.append(r[:3] + [p["email"], f"{p['first']} {p['last']}", p["ip"], p["custom"]] + r[3:])
    return out


def surveymonkey(header, rows, cb) -> list[list[str]]:
    """Two header rows: the question (once over a matrix), then "Response" or the statement."""
    col = _columns(header)
    fixed = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    top, sub = list(fixed), [""] * len(fixed)
    top += [CPP_QUESTION, PARTNER_QUESTION]
    sub += ["Response", "Response"]
    order = [col[CPP_COLUMN], col[PARTNER_COLUMN]]
    for t in cb.themes:
        for j, st in enumerate(cb.statements_in(t.id)):
            top.append(
                f"How far do you agree with each statement about {t.title.lower()}?"
                if j == 0
                else ""
            )
            sub.append(header[col[st.text]])
            order.append(col[st.text])
    for t in cb.themes:
        for q in (t.strengths_question, t.improvements_question):
            top.append(q)
            sub.append("Open-Ended Response")
            order.append(col[q])
    out = [top, sub]
    for k, r in enumerate(rows):
        p = personal(k)
        start = f"01/{(k % 28) + 1:02d}/2026 09:00:00"
        out.append(
            [
                r[col[ID_COLUMN]],
                "412345678",
                start,
                start,
                p["ip"],
                p["email"],
                p["first"],
                p["last"],
                p["custom"],
            ]
            + [r[i] for i in order]
        )
    return out


def qualtrics(header, rows, cb) -> list[list[str]]:
    """Three header rows (ids, question text, import ids); answers as numeric codes."""
    col = _columns(header)
    code_of = {label: str(k) for k, label in QUALTRICS_CODES.items()}
    code_of["Don\u2019t know"] = code_of["Don't know"]
    meta = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ]
    ids, texts = (
        list(meta),
        [
            "Start Date",
            "End Date",
            "Response Type",
            "IP Address",
            "Progress",
            "Duration (in seconds)",
            "Finished",
            "Recorded Date",
            "Response ID",
            "Recipient Last Name",
            "Recipient First Name",
            "Recipient Email",
            "External Data Reference",
            "Location Latitude",
            "Location Longitude",
            "Distribution Channel",
            "User Language",
        ],
    )
    imports = [
        json.dumps({"ImportId": m})
        for m in (
            "startDate",
            "endDate",
            "status",
            "ipAddress",
            "progress",
            "duration",
            "finished",
            "recordedDate",
            "_recordId",
            "recipientLastName",
            "recipientFirstName",
            "recipientEmail",
            "externalDataReference",
            "locationLatitude",
            "locationLongitude",
            "distributionChannel",
            "userLanguage",
        )
    ]
    parts: list[tuple[str, str, int, bool]] = [
        ("Q1", CPP_QUESTION, col[CPP_COLUMN], False),
        ("Q2", PARTNER_QUESTION, col[PARTNER_COLUMN], False),
    ]
    for n, t in enumerate(cb.themes, start=3):
        for j, st in enumerate(cb.statements_in(t.id), start=1):
            text = header[col[st.text]]
            if st.id == REWORDED[0]:
                text = text.replace(REWORDED[1], REWORDED[2])
            parts.append((f"Q{n}_{j}", f"{t.title} - {text}", col[st.text], True))
    for n, t in enumerate(cb.themes, start=3 + len(cb.themes)):
        parts.append((f"Q{n}_1_TEXT", t.strengths_question, col[t.strengths_question], False))
        parts.append((f"Q{n}_2_TEXT", t.improvements_question, col[t.improvements_question], False))
    for qid, text, _, _ in parts:
        ids.append(qid)
        texts.append(text)
        imports.append(json.dumps({"ImportId": "QID" + qid[1:]}))
    out = [ids, texts, imports]
    for k, r in enumerate(rows):
        p = personal(k)
        when = f"2026-01-{(k % 28) + 1:02d} 09:00:00"
        cells = [
            when,
            when,
            "IP Address",
            p["ip"],
            "100",
            "600",
            "True",
            when,
            r[col[ID_COLUMN]],
            p["last"],
            p["first"],
            p["email"],
            p["custom"],
            "55.95",
            "-3.19",
            "email",
            "EN-GB",
        ]
        for _, _, i, coded in parts:
            cells.append(code_of[r[i]] if coded and r[i] else r[i])
        out.append(cells)
    return out


def matrix_colon(header, rows, cb) -> list[list[str]]:
    """One header row with matrix headings "Area: Statement" (Excel, European locale)."""
    theme = {normalise_label(s.text): cb.theme(s.theme).title for s in cb.statements}
    grid = one_header(header, rows)
    grid[0] = [
        f"{theme[normalise_label(h)]}: {h}" if normalise_label(h) in theme else h for h in grid[0]
    ]
    grid[0][3:7] = ["E-mail", "Name", "IP", "Custom Data 1"]
    return grid


def ids_as_headings(header, rows, cb) -> list[list[str]]:
    """One header row, statements headed by their ids (a survey built from the codebook)."""
    by_text = {normalise_label(s.text): s.id for s in cb.statements}
    grid = one_header(header, rows)
    grid[0] = [by_text.get(normalise_label(h), h) for h in grid[0]]
    return grid


def xlsx_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    """A workbook with the given sheets, byte-deterministic (fixed zip and document dates)."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append([v if v != "" else None for v in row])
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "cpsa tests"
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


ABOUT_SHEET = [["Survey", "Board self-assessment 2026"], ["Exported", "2026-01-31"]]


def layout_files() -> dict[str, bytes]:
    cb = load_codebook("psif-board-v1")
    header, rows = demo_rows()
    return {
        "one-header.csv": _csv(one_header(header, rows)).encode("utf-8"),
        "surveymonkey.csv": _csv(surveymonkey(header, rows, cb)).encode("utf-8"),
        "qualtrics.csv": _csv(qualtrics(header, rows, cb)).encode("utf-8-sig"),
        "semicolon-cp1252.csv": _csv(matrix_colon(header, rows, cb), ";").encode("cp1252"),
        "tab-utf16.txt": b"\xff\xfe"
        + _csv(ids_as_headings(header, rows, cb), "\t").encode("utf-16-le"),
        "second-sheet.xlsx": xlsx_bytes(
            {"About this export": ABOUT_SHEET, "Responses": one_header(header, rows)}
        ),
    }


def reference_csv() -> bytes:
    """The same 40 respondents in the demo layout, without personal data (what to match)."""
    header, rows = demo_rows()
    return _csv([header, *rows]).encode("utf-8")


def main(out: Path = HERE) -> int:
    for name, data in sorted(layout_files().items()):
        (out / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
