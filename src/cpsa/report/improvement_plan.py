"""The improvement-plan workbook a facilitator uses in the board's session.

``write_plan`` writes ``<slug>-improvement-plan.xlsx``:

- **How to use**: what each sheet is for and how its rows were chosen and ranked;
- **Priorities**: the areas for improvement ranked by the strength of the
  evidence (:func:`priorities`), each with its theme, % positive and count, the
  rest-of-Scotland figure and why it is listed, then the columns the board
  fills in (priority, agreed action, lead partner, target date, resources,
  success measure, status, review date), with drop-down lists and date checks;
- **Strengths to build on** and **Information gaps** in the same form.

Reference columns are locked and the entry columns unlocked (the sheets are
protected without a password, so a facilitator can still unprotect them); the
header row is frozen and repeated on every printed A4 landscape page; each
sheet's rows are a named Excel table. Text from the data is always stored as
text: a value beginning with ``=``, ``+``, ``-`` or ``@`` can never become a
formula. A CPP below the minimum number of respondents gets a one-sheet kit
saying why there are no results. The file is byte-for-byte reproducible and
written atomically.

:func:`plan_table` is the printed (PDF/HTML) improvement-plan table: short
column headings with a key, so the headings never run together.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from cpsa import atomic, ooxml
from cpsa.config import Paths, get_paths, load_round
from cpsa.data.codebook import Codebook, load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import text as t
from cpsa.tables.read import load_cpp_bundle, resolve_dir
from cpsa.tables.spreadsheet import set_text

# Fixed so that rebuilding unchanged data gives an identical file.
_FIXED_TIME = datetime(2000, 1, 1)

PRIORITY_CHOICES = ("High", "Medium", "Low", "Not now")
STATUS_CHOICES = ("Not started", "In progress", "Completed", "On hold", "Dropped")
BOARD_LEADS = ("Whole board", "Other (say which)")
EVIDENCE_LEVELS = ("Strong", "Moderate", "Limited")
ENTRY_HEADERS = (
    "Priority",
    "Agreed action",
    "Lead partner",
    "Target date",
    "Resources",
    "Success measure",
    "Status",
    "Review date",
)
ENTRY_WIDTHS = (11, 32, 18, 12, 18, 24, 13, 12)
DATE_COLUMNS = ("Target date", "Review date")
HEADER_ROW = 4  # title, note, explanation, then the header row
BLANK_ROWS = 5  # rows at the end of each table for the board's own additions
SHEETS = ("How to use", "Priorities", "Strengths to build on", "Information gaps")
TABLE_NAMES = {
    "Priorities": "Priorities",
    "Strengths to build on": "Strengths",
    "Information gaps": "InformationGaps",
}


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class PlanRow:
    """One statement on a sheet of the plan, with its evidence."""

    item: str
    theme_title: str
    statement: str
    evidence: str  # Strong / Moderate / Limited
    pct_positive: float | None
    n_positive: int | None
    n_valid: int | None
    n_dont_know: int | None
    pct_dont_know: float | None
    rest_pct_positive: float | None
    diff: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    reason: str


def _f(x) -> float | None:
    return None if t.missing(x) else float(x)


def _i(x) -> int | None:
    return None if t.missing(x) else int(float(x))


def _category(items: pd.DataFrame) -> pd.Series:
    """The tables' classification (``category`` of items.csv, :mod:`cpsa.stats.classify`)."""
    return items["category"].fillna("").astype(str)


def _direction(r: pd.Series) -> str:
    """'higher'/'lower' only when the verdict and its difference interval agree."""
    sig = str(r.get("significance", "") or "")
    lo, hi = _f(r.get("diff_ci_low")), _f(r.get("diff_ci_high"))
    if sig == "lower" and hi is not None and hi < 0:
        return "lower"
    if sig == "higher" and lo is not None and lo > 0:
        return "higher"
    return ""


def _certainty_words(r: pd.Series) -> str:
    """ "very likely" (posterior >= 0.95) / "likely" (>= 0.8), from ``certainty``."""
    c = _f(r.get("certainty"))
    if c is None:
        return ""
    return "very likely" if c >= 0.95 else "likely" if c >= 0.8 else "uncertain"


def _reason(r: pd.Series, kind: str) -> str:
    """Why a statement is on a sheet, always with the rest-of-Scotland figure."""
    pos, rest = _f(r.get("pct_positive")), _f(r.get("rest_pct_positive"))
    dk = _f(r.get("pct_dont_know"))
    n_valid, n_pos = _i(r.get("n_valid")), _i(r.get("n_positive"))
    count = f" ({n_pos} of {n_valid} who gave a view)" if n_valid is not None else ""
    if kind == "information_gap":
        first = f"{t.pct(dk)} of members who answered said Don't know"
        rest_dk = _f(r.get("rest_pct_dont_know"))
        if rest_dk is not None:
            first += f", against {t.pct(rest_dk)} in the rest of Scotland"
        return f"{first}; {t.pct(pos)} positive{count}, rest of Scotland {t.pct(rest)}."
    if rest is None:
        return f"{t.pct(pos)} positive{count}; no rest-of-Scotland figure can be shown."
    first = f"{t.pct(pos)} positive{count} against {t.pct(rest)} in the rest of Scotland"
    lo, hi = _f(r.get("diff_ci_low")), _f(r.get("diff_ci_high"))
    direction = _direction(r)
    sure = _certainty_words(r)
    if kind == "improvement":
        if direction == "lower":
            why = "significantly lower than the rest of Scotland"
        elif hi is not None and hi < 0:
            why = (
                "probably lower than the rest of Scotland, though not significantly so once "
                "every statement tested is allowed for"
            )
        else:
            why = (
                f"{sure} below 60% positive; the difference from the rest of Scotland could "
                "not be told apart from chance"
            )
    else:
        if direction == "higher":
            why = "significantly higher than the rest of Scotland"
        elif lo is not None and lo > 0:
            why = "probably higher than the rest of Scotland"
        else:
            why = (
                f"{sure} at least 75% positive; the difference from the rest of Scotland could "
                "not be told apart from chance"
            )
    out = f"{first}: {why}"
    if lo is not None and hi is not None:
        out += f" (difference {t.points(_f(r.get('diff_pp')))}, 95% interval "
        out += f"{t.points(lo).split()[0]} to {t.points(hi)})"
    if kind == "improvement" and dk is not None and dk >= 25:
        out += f"; {t.pct(dk)} said Don't know"
    return out + "."


def _evidence(r: pd.Series, kind: str) -> str:
    """Strong: significant against the rest of Scotland or very likely (posterior >= 0.95);
    Moderate: likely (>= 0.8); Limited otherwise (docs/methodology.md, section 6)."""
    direction = _direction(r)
    certainty = _f(r.get("certainty")) or 0.0
    if kind in ("improvement", "strength"):
        if direction == ("lower" if kind == "improvement" else "higher") or certainty >= 0.95:
            return "Strong"
        return "Moderate" if certainty >= 0.8 else "Limited"
    dk = _f(r.get("pct_dont_know")) or 0.0
    return "Strong" if dk >= 40 else "Moderate" if dk >= 30 else "Limited"


def _sort_key(r: pd.Series, kind: str, order: int) -> tuple:
    """Strongest evidence first (see the "How to use" sheet for the words)."""
    level = EVIDENCE_LEVELS.index(_evidence(r, kind))
    rank = _f(r.get("category_rank"))
    return (level, math.inf if rank is None else rank, order)


def rows_of(items: pd.DataFrame, codebook: Codebook, kind: str) -> list[PlanRow]:
    """The statements of ``kind`` (improvement, strength, information_gap), ranked."""
    if items.empty:
        return []
    cls = _category(items)
    order = {s.id: i for i, s in enumerate(codebook.statements)}
    chosen = items[cls == kind]
    keyed = sorted(
        ((_sort_key(r, kind, order.get(r["item"], 10**6)), r) for _, r in chosen.iterrows()),
        key=lambda p: p[0],
    )
    out = []
    for _, r in keyed:
        st = codebook.statement(r["item"])
        diff = _f(r.get("diff_pp"))
        if diff is None and _f(r.get("pct_positive")) is not None:
            rest = _f(r.get("rest_pct_positive"))
            diff = None if rest is None else float(r["pct_positive"]) - rest
        out.append(
            PlanRow(
                item=str(r["item"]),
                theme_title=codebook.theme(st.theme).title,
                statement=st.text,
                evidence=_evidence(r, kind),
                pct_positive=_f(r.get("pct_positive")),
                n_positive=_i(r.get("n_positive")),
                n_valid=_i(r.get("n_valid")),
                n_dont_know=_i(r.get("n_dont_know")),
                pct_dont_know=_f(r.get("pct_dont_know")),
                rest_pct_positive=_f(r.get("rest_pct_positive")),
                diff=diff,
                diff_ci_low=_f(r.get("diff_ci_low")),
                diff_ci_high=_f(r.get("diff_ci_high")),
                reason=_reason(r, kind),
            )
        )
    return out


def priorities(items: pd.DataFrame, codebook: Codebook) -> list[PlanRow]:
    """Areas for improvement, strongest evidence first."""
    return rows_of(items, codebook, "improvement")


def strengths(items: pd.DataFrame, codebook: Codebook) -> list[PlanRow]:
    return rows_of(items, codebook, "strength")


def information_gaps(items: pd.DataFrame, codebook: Codebook) -> list[PlanRow]:
    return rows_of(items, codebook, "information_gap")


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class RefColumn:
    header: str
    width: float
    get: Callable[[PlanRow], object]
    number_format: str | None = None


def _num(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _count(r: PlanRow) -> str | None:
    return None if r.n_valid is None else f"{r.n_positive} of {r.n_valid}"


COMMON_FIRST = (
    RefColumn("Rank", 6, lambda r: None),  # filled with the row's rank
    RefColumn("Theme", 18, lambda r: r.theme_title),
    RefColumn("Statement", 38, lambda r: r.statement),
    RefColumn("Evidence", 10, lambda r: r.evidence),
)
IMPROVEMENT_COLUMNS = (
    *COMMON_FIRST,
    RefColumn("% positive", 9, lambda r: _num(r.pct_positive), '0"%"'),
    RefColumn("Positive of those who gave a view", 12, _count),
    RefColumn("Don't know (members)", 10, lambda r: r.n_dont_know, "0"),
    RefColumn("Rest of Scotland % positive", 11, lambda r: _num(r.rest_pct_positive), '0"%"'),
    RefColumn("Difference (points)", 11, lambda r: _num(r.diff), "+0;-0;0"),
    RefColumn("Why it is listed", 48, lambda r: r.reason),
)
GAP_COLUMNS = (
    *COMMON_FIRST,
    RefColumn("% Don't know", 9, lambda r: _num(r.pct_dont_know), '0"%"'),
    RefColumn("Don't know (members)", 10, lambda r: r.n_dont_know, "0"),
    RefColumn("% positive", 9, lambda r: _num(r.pct_positive), '0"%"'),
    RefColumn("Rest of Scotland % positive", 11, lambda r: _num(r.rest_pct_positive), '0"%"'),
    RefColumn("Why it is listed", 48, lambda r: r.reason),
)


# --------------------------------------------------------------------------- workbook


@dataclass(frozen=True)
class PlanContext:
    round: str
    cpp: str
    name: str
    title: str  # the round's title
    synthetic: bool
    year: int
    reportable: bool
    min_respondents: int
    partner_labels: tuple[str, ...]


def _load(round_: str, cpp: str, tables_dir: str | Path, paths: Paths):
    config = load_round(round_, paths)
    codebook = load_codebook(config.codebook, paths)
    bundle = load_cpp_bundle(resolve_dir(tables_dir, paths), cpp=cpp)
    ref = load_reference(paths)
    # summary.json always carries the round's thresholds (tables.schema.SUMMARY)
    minimum = int(bundle.summary["thresholds"]["min_respondents_report"])
    ctx = PlanContext(
        round=round_,
        cpp=cpp,
        name=ref.cpp_name(cpp),
        title=config.title,
        synthetic=config.synthetic,
        year=config.year,
        reportable=bundle.reportable,
        min_respondents=minimum,
        partner_labels=tuple(str(x) for x in ref.partner_types["label"]),
    )
    return ctx, codebook, bundle


def write_plan(
    *, round_: str, cpp: str, tables_dir: str | Path, target: Path, paths: Paths | None = None
) -> Path:
    """Write the improvement-plan workbook of ``cpp`` in ``round_`` to ``target``."""
    paths = paths or get_paths()
    ctx, codebook, bundle = _load(round_, cpp, tables_dir, paths)
    items = bundle.items if ctx.reportable else pd.DataFrame()
    data = workbook_bytes(
        ctx,
        priorities=priorities(items, codebook),
        strengths=strengths(items, codebook),
        gaps=information_gaps(items, codebook),
    )
    atomic.write_bytes(target, data)
    return target


def workbook_bytes(
    ctx: PlanContext,
    *,
    priorities: Sequence[PlanRow],
    strengths: Sequence[PlanRow],
    gaps: Sequence[PlanRow],
) -> bytes:
    """The workbook as deterministic XLSX bytes."""
    from openpyxl import Workbook

    wb = Workbook()
    how = wb.active
    how.title = SHEETS[0]
    title = f"{ctx.name} Community Planning Partnership: improvement plan ({ctx.title})"
    if ctx.reportable:
        _how_to_use(how, ctx, title, len(priorities), len(strengths), len(gaps))
        lists = _lists_sheet(wb, ctx)
        intro = {
            "Priorities": "Areas for improvement, strongest evidence first.",
            "Strengths to build on": "Strengths, strongest evidence first.",
            "Information gaps": "Statements many members could not answer (Don't know), "
            "largest share first.",
        }
        for sheet, rows, cols in (
            ("Priorities", priorities, IMPROVEMENT_COLUMNS),
            ("Strengths to build on", strengths, IMPROVEMENT_COLUMNS),
            ("Information gaps", gaps, GAP_COLUMNS),
        ):
            _plan_sheet(wb.create_sheet(sheet), ctx, title, intro[sheet], rows, cols, lists)
        wb.move_sheet("Lists", offset=len(wb.sheetnames) - 1 - wb.sheetnames.index("Lists"))
    else:
        _below_minimum(how, ctx, title)
    props = wb.properties
    props.title = title
    props.creator = "cpsa"
    props.lastModifiedBy = "cpsa"
    props.language = "en-GB"
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return ooxml.fixed_dates(buf.getvalue(), _FIXED_TIME)


def _note(ctx: PlanContext) -> str:
    note = f"Confidential to the {ctx.name} Community Planning Partnership board."
    if ctx.synthetic:
        note += " SYNTHETIC DEMONSTRATION DATA: describes no real board."
    return note


def _text_sheet(ws, lines: Sequence[tuple[str, str]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 110
    for i, (style, text) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1)
        set_text(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True, size=12)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _how_to_use(ws, ctx: PlanContext, title: str, n_p: int, n_s: int, n_g: int) -> None:
    lines = [
        ("title", title),
        ("", _note(ctx)),
        ("", ""),
        ("head", "What this workbook is for"),
        (
            "",
            "The board's facilitated improvement session uses this workbook to agree what to "
            "do about the self-assessment results. Each sheet lists statements from the "
            "checklist, with the board's figures (locked) and columns the board fills in "
            "(white cells).",
        ),
        ("head", "The sheets"),
        (
            "",
            f"Priorities ({n_p} rows): the areas for improvement. A statement is an area for "
            "improvement when the board's true share agreeing is likely (80% or more) below 60%, "
            "given its answers, or when the board's result is significantly lower than the "
            "rest of Scotland's.",
        ),
        (
            "",
            f"Strengths to build on ({n_s} rows): statements whose true share agreeing is likely "
            "(80% or more) at least 75%, given the board's answers, and not significantly "
            "lower than the rest of Scotland.",
        ),
        (
            "",
            f"Information gaps ({n_g} rows): statements at least a quarter of members answered "
            "Don't know to; the board may need to share more information about them.",
        ),
        ("head", "How the rows are ranked"),
        (
            "",
            "The Evidence column says how sure the finding is. Each statement's % positive "
            "comes from a board of a few members, so the report asks how likely it is that the "
            "board's true share is below 60% (an area for improvement) or at least 75% (a "
            "strength), given its answers. Strong: significantly different from the rest of "
            "Scotland after allowing for the number of statements tested, or very likely "
            "(95% or more). Moderate: likely (80% or more). Limited: less certain than that. "
            "Rows are ranked by evidence, then as the report ranks them (significantly lower "
            "first, then the most certain). Information gaps are ranked by the share of "
            "Don't know answers (Strong: 40% or more; Moderate: 30% or more).",
        ),
        (
            "",
            "Every row gives the rest-of-Scotland figure: the answers of all the other "
            "participating boards pooled. Small boards have wide intervals: a difference of "
            "20 points may still be chance.",
        ),
        ("head", "Filling it in"),
        (
            "",
            "Priority, Lead partner and Status are chosen from a list; Target date and Review "
            "date must be dates (type them as dd/mm/yyyy). Agreed action, Resources and "
            "Success measure are free text. The five empty rows at the end of each table are "
            "for priorities the board adds itself.",
        ),
        (
            "",
            "The figures are protected so they are not changed by accident. The sheets have no "
            "password: use Review > Unprotect Sheet if you need to change them.",
        ),
        (
            "",
            "The workbook prints on A4 landscape, two pages wide (the figures, then the columns to "
            "fill in), with the headings, rank, theme and statement on every page.",
        ),
    ]
    _text_sheet(ws, lines)


def _below_minimum(ws, ctx: PlanContext, title: str) -> None:
    _text_sheet(
        ws,
        [
            ("title", title),
            ("", _note(ctx)),
            ("", ""),
            ("head", "Why this workbook has no results"),
            (
                "",
                f"Fewer than {ctx.min_respondents} board members answered the survey. To "
                "protect the people who did answer, results are shown only for boards with at "
                f"least {ctx.min_respondents} respondents, so this workbook lists no "
                "statements.",
            ),
            (
                "",
                "The board's answers are still part of the national figures for Scotland, "
                "where no one can be identified. The national overview can guide the board's "
                "discussion, and the Improvement Service can re-open the survey so that more "
                "members can take part.",
            ),
        ],
    )


def _lists_sheet(wb, ctx: PlanContext):
    """A hidden sheet holding the drop-down lists (no length limit, easy to extend)."""
    ws = wb.create_sheet("Lists")
    columns = {
        "Priority": PRIORITY_CHOICES,
        "Lead partner": (*ctx.partner_labels, *BOARD_LEADS),
        "Status": STATUS_CHOICES,
    }
    ranges = {}
    for j, (head, values) in enumerate(columns.items(), start=1):
        set_text(ws.cell(row=1, column=j), head)
        for i, v in enumerate(values, start=2):
            set_text(ws.cell(row=i, column=j), v)
        letter = ws.cell(row=1, column=j).column_letter
        ranges[head] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    return ranges


def _plan_sheet(
    ws,
    ctx: PlanContext,
    title: str,
    intro: str,
    rows: Sequence[PlanRow],
    columns: Sequence[RefColumn],
    lists: dict[str, str],
) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo

    set_text(ws["A1"], f"{ws.title}: {title}")
    ws["A1"].font = Font(bold=True, size=13)
    set_text(ws["A2"], _note(ctx))
    set_text(
        ws["A3"],
        f"{intro} Grey columns are the board's figures (locked); white columns are for the "
        "board to fill in. See 'How to use'.",
    )
    headers = [c.header for c in columns] + list(ENTRY_HEADERS)
    n_ref = len(columns)
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j)
        set_text(cell, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    grey = PatternFill("solid", fgColor="F2F2F2")
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    first = HEADER_ROW + 1
    total = len(rows) + BLANK_ROWS
    last = HEADER_ROW + total
    for k in range(total):
        r = rows[k] if k < len(rows) else None
        i = first + k
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(row=i, column=j)
            if r is not None:
                value = k + 1 if col.header == "Rank" else col.get(r)
                set_text(cell, value)
                if col.number_format and value is not None:
                    cell.number_format = col.number_format
                cell.fill = grey
                cell.protection = Protection(locked=True)
            else:  # the board's own additions: every cell is for writing in
                cell.protection = Protection(locked=False)
        for j in range(n_ref + 1, len(headers) + 1):
            cell = ws.cell(row=i, column=j)
            cell.protection = Protection(locked=False)
            if headers[j - 1] in DATE_COLUMNS:
                cell.number_format = "dd/mm/yyyy"
        for j in range(1, len(headers) + 1):
            cell = ws.cell(row=i, column=j)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
    widths = [c.width for c in columns] + list(ENTRY_WIDTHS)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    # row heights for the wrapped text (not every spreadsheet program fits them on opening)
    for i in range(first, last + 1):
        lines = max(
            math.ceil(len(str(ws.cell(row=i, column=j).value or "")) / max(widths[j - 1] - 1, 1))
            for j in range(1, n_ref + 1)
        )
        ws.row_dimensions[i].height = 15 * max(lines, 2)
    ws.row_dimensions[HEADER_ROW].height = 45

    def col_range(header: str) -> str:
        letter = get_column_letter(headers.index(header) + 1)
        return f"{letter}{first}:{letter}{last}"

    for header, source in (("Priority", "Priority"), ("Lead partner", "Lead partner"),
                           ("Status", "Status")):  # fmt: skip
        dv = DataValidation(
            type="list",
            formula1=f"={lists[source]}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=header,
            error=f"Choose a {header.lower()} from the list.",
            promptTitle=header,
            prompt=f"Choose from the list ({header.lower()}).",
            showInputMessage=True,
        )
        dv.add(col_range(header))
        ws.add_data_validation(dv)
    lo, hi = ctx.year - 1, ctx.year + 10
    dates = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({lo},1,1)",
        formula2=f"DATE({hi},12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Date",
        error=f"Enter a date between {lo} and {hi} (dd/mm/yyyy).",
        promptTitle="Date",
        prompt="A date, dd/mm/yyyy.",
        showInputMessage=True,
    )
    for header in DATE_COLUMNS:
        dates.add(col_range(header))
    ws.add_data_validation(dates)

    end = get_column_letter(len(headers))
    table = Table(displayName=TABLE_NAMES[ws.title], ref=f"A{HEADER_ROW}:{end}{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=4)  # header and statement stay put

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # two pages wide: the figures, then the entry columns; Rank, Theme and Statement
    # are repeated on both, as the header row is on every page
    ws.page_setup.fitToWidth = 2
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_title_cols = "A:C"
    ws.print_area = f"A1:{end}{last}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "Page &P of &N"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


# --------------------------------------------------------------------------- printed table

# (short heading, meaning) of the printed plan's writing columns
PRINT_KEY = (
    ("Action", "agreed action"),
    ("Lead", "lead partner"),
    ("Date", "target date"),
    ("Needs", "resources needed"),
)


def plan_table(items: pd.DataFrame, codebook: Codebook, *, cpp: str) -> str:
    """The printed improvement-planning table (Markdown), for the report's last section.

    Three figure columns at most and four short writing columns whose headings
    are single short words, explained in a key under the table, so no heading
    runs into the next one in the PDF. Rows are the workbook's Priorities then
    its Information gaps, in the same order.
    """
    from cpsa.report import md

    rows = priorities(items, codebook) + information_gaps(items, codebook)
    key = "; ".join(f"**{md.escape(k)}**: {md.escape(v)}" for k, v in PRINT_KEY)
    intro = md.paragraph(
        "This table lists the areas for improvement (strongest evidence first) and then the "
        "information gaps, for the board's facilitated improvement session.",
        f"The same rows, with lists to choose from and room for success measures, status and "
        f"review dates, are in the workbook {md.escape(cpp)}-improvement-plan.xlsx next to "
        "this report.",
    )
    if not rows:
        return md.join(intro, "No statement met the rule for an area for improvement.")
    body = [
        (
            str(k),
            r.statement,
            r.theme_title,
            r.evidence,
            f"{t.pct(r.pct_positive)} ({t.pct(r.rest_pct_positive)})",
            "",
            "",
            "",
            "",
        )
        for k, r in enumerate(rows, start=1)
    ]
    table = md.table(
        ["No.", "Statement", "Theme", "Evidence", "Board (Scotland)", *(k for k, _ in PRINT_KEY)],
        body,
        align=["r", "l", "l", "l", "r", "l", "l", "l", "l"],
        caption="Improvement plan",
    )
    note = md.paragraph(
        f"Key: {key}. Board (Scotland): % positive on this board, and in the rest of Scotland "
        "in brackets. Evidence: how sure the finding is (Strong, Moderate or Limited; see the "
        "workbook's How to use sheet)."
    )
    return md.join(intro, table, note)
