"""Issues 6 and 14: the improvement-plan workbook for the board's facilitated session."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers.report_fixture import ROUND, SMALL, build_project
from openpyxl import load_workbook

from cpsa.data.codebook import load_codebook
from cpsa.report import improvement_plan as ip
from cpsa.tables.spreadsheet import FORMULA_START

TABLES = f"outputs/{ROUND}/tables/by_cpp"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = build_project(tmp_path_factory.mktemp("plan") / "proj")
    mp = pytest.MonkeyPatch()
    mp.setenv("CPSA_ROOT", str(root))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def workbook(project):
    target = project / "fife-improvement-plan.xlsx"
    ip.write_plan(round_=ROUND, cpp="fife", tables_dir=f"{TABLES}/fife", target=target)
    return load_workbook(target)


def _header(ws) -> list[str]:
    return [c.value for c in ws[ip.HEADER_ROW]]


def _body(ws):
    return list(ws.iter_rows(min_row=ip.HEADER_ROW + 1, values_only=True))


def test_sheets_and_how_to_use(workbook):
    assert workbook.sheetnames == [*ip.SHEETS, "Lists"]
    assert workbook["Lists"].sheet_state == "hidden"
    text = " ".join(str(c) for r in workbook["How to use"].iter_rows(values_only=True) for c in r)
    for words in ("Priorities", "Strengths to build on", "Information gaps", "ranked", "Evidence"):
        assert words in text


def test_priority_rows_are_the_improvements_ranked_by_evidence(project, workbook):
    ws = workbook["Priorities"]
    header = _header(ws)
    for col in ("Theme", "% positive", "Rest of Scotland % positive", "Why it is listed"):
        assert col in header
    assert header[-len(ip.ENTRY_HEADERS) :] == list(ip.ENTRY_HEADERS)
    items = pd.read_csv(project / f"{TABLES}/fife/items.csv")
    cb = load_codebook("psif-board-v1")
    expected = {cb.statement(i).text for i in items.loc[items["category"] == "improvement", "item"]}
    rows = [r for r in _body(ws) if r[0] is not None]
    st = header.index("Statement")
    assert {r[st] for r in rows} == expected
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    ev = [ip.EVIDENCE_LEVELS.index(r[header.index("Evidence")]) for r in rows]
    assert ev == sorted(ev)  # strongest evidence first
    rest, why = header.index("Rest of Scotland % positive"), header.index("Why it is listed")
    for r in rows:  # every row has a rest-of-Scotland figure, also in words
        assert r[rest] is not None and "rest of Scotland" in r[why]
    # entry columns start empty; 5 blank rows for the board's own priorities
    assert all(v is None for r in rows for v in r[-len(ip.ENTRY_HEADERS) :])
    assert len(_body(ws)) == len(rows) + ip.BLANK_ROWS


def test_strengths_and_information_gaps_sheets(project, workbook):
    items = pd.read_csv(project / f"{TABLES}/fife/items.csv")
    for sheet, cat in (
        ("Strengths to build on", "strength"),
        ("Information gaps", "information_gap"),
    ):
        ws = workbook[sheet]
        rows = [r for r in _body(ws) if r[0] is not None]
        assert len(rows) == int((items["category"] == cat).sum())
        assert _header(ws)[-len(ip.ENTRY_HEADERS) :] == list(ip.ENTRY_HEADERS)


@pytest.mark.parametrize("sheet", ip.SHEETS[1:])
def test_validation_protection_table_freeze_and_print(workbook, sheet):
    ws = workbook[sheet]
    header = _header(ws)
    n_ref = len(header) - len(ip.ENTRY_HEADERS)
    last = ws.max_row
    letter = {
        h: ws.cell(row=ip.HEADER_ROW, column=j + 1).column_letter for j, h in enumerate(header)
    }
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    for col in ("Priority", "Lead partner", "Status"):
        dv = validations[f"{letter[col]}{ip.HEADER_ROW + 1}:{letter[col]}{last}"]
        assert dv.type == "list" and dv.formula1.startswith("=Lists!")
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert len(dates) == 1
    assert {str(r) for r in dates[0].sqref.ranges} == {
        f"{letter[c]}{ip.HEADER_ROW + 1}:{letter[c]}{last}" for c in ip.DATE_COLUMNS
    }
    lists = workbook["Lists"]
    leads = [c.value for c in lists["B"][1:] if c.value]
    assert "Elected member" in leads and "NHS board" in leads
    # protection: reference cells locked, entry cells unlocked
    assert ws.protection.sheet
    first = ip.HEADER_ROW + 1
    assert all(ws.cell(row=first, column=j).protection.locked for j in range(1, n_ref + 1))
    assert not any(
        ws.cell(row=first, column=j).protection.locked for j in range(n_ref + 1, len(header) + 1)
    )
    # a named Excel table over the header and rows, header frozen
    (name,) = ws.tables.keys()
    assert name == ip.TABLE_NAMES[sheet]
    assert ws.tables[name].ref == f"A{ip.HEADER_ROW}:{letter[header[-1]]}{last}"
    assert ws.freeze_panes == f"D{ip.HEADER_ROW + 1}"
    # A4 landscape, one page wide, header row repeated on every page
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 2
    assert ws.print_title_rows == f"${ip.HEADER_ROW}:${ip.HEADER_ROW}"
    assert ws.print_title_cols == "$A:$C"


def test_text_from_the_data_never_becomes_a_formula(tmp_path):
    ctx = ip.PlanContext(
        round=ROUND,
        cpp="fife",
        name='=HYPERLINK("http://x")',
        title="+t",
        synthetic=False,
        year=2030,
        reportable=True,
        min_respondents=5,
        partner_labels=("-Elected member", "@Other"),
    )
    row = ip.PlanRow(
        item="X1",
        theme_title="@theme",
        statement="=1+1",
        evidence="Strong",
        pct_positive=10.0,
        n_positive=1,
        n_valid=10,
        n_dont_know=0,
        pct_dont_know=0.0,
        rest_pct_positive=80.0,
        diff=-70.0,
        diff_ci_low=-90.0,
        diff_ci_high=-50.0,
        reason="-70 points",
    )
    target = tmp_path / "f.xlsx"
    target.write_bytes(ip.workbook_bytes(ctx, priorities=[row], strengths=[row], gaps=[row]))
    wb = load_workbook(target)
    seen = 0
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if isinstance(c.value, str) and c.value.startswith(FORMULA_START):
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    assert c.quotePrefix
                    seen += 1
    assert seen >= 6
    ws = wb["Priorities"]
    assert "=1+1" in [c.value for c in ws[ip.HEADER_ROW + 1]]


def test_plan_is_deterministic_with_fixed_dates(project, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for t in (a, b):
        ip.write_plan(round_=ROUND, cpp="fife", tables_dir=f"{TABLES}/fife", target=t)
    assert a.read_bytes() == b.read_bytes()
    assert load_workbook(a).properties.created == dt.datetime(2000, 1, 1)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_small_cpp_gets_a_short_kit_saying_why(project, tmp_path):
    target = tmp_path / "m.xlsx"
    ip.write_plan(round_=ROUND, cpp=SMALL, tables_dir=f"{TABLES}/{SMALL}", target=target)
    wb = load_workbook(target)
    assert wb.sheetnames == ["How to use"]
    text = " ".join(str(c) for r in wb.active.iter_rows(values_only=True) for c in r if c)
    assert "Fewer than 5 board members answered" in text
    assert "no results" in text


def test_printed_plan_table_has_short_headings_and_a_key(project):
    items = pd.read_csv(project / f"{TABLES}/fife/items.csv")
    cb = load_codebook("psif-board-v1")
    out = ip.plan_table(items, cb, cpp="fife")
    header = next(line for line in out.splitlines() if line.startswith("| No."))
    cells = [c.strip() for c in header.strip("|").split("|")]
    writing = cells[-len(ip.PRINT_KEY) :]
    assert writing == [k for k, _ in ip.PRINT_KEY]
    assert all(len(c) <= 6 for c in writing)  # never wider than its narrow column
    assert "Key:" in out and all(v in out for _, v in ip.PRINT_KEY)
