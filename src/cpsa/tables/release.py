"""The publishable release of a round: every table behind the national overview.

``write_release(round_)`` writes ``outputs/<round>/release/``: one CSV per table
and ``national-tables.xlsx`` (a Contents sheet, a Notes sheet and one sheet per
table, as UK official-statistics releases do). Only national and anonymised
tables are released: nothing in the release gives a result for a named CPP
(``participation_cpps`` names CPPs with counts of people only — participation is
public). The variation between CPPs is released only for themes with at least
``thresholds.min_reported_cpps`` reported CPPs, never as a minimum or maximum.

Both are byte-for-byte reproducible: CSVs are formatted like the tables, the
workbook has fixed document dates and zip timestamps. Text that a spreadsheet
would read as a formula (starting with =, +, - or @) is stored as text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from cpsa import atomic, ooxml
from cpsa.config import Paths, RoundConfig, get_paths, load_round
from cpsa.errors import ConfigError
from cpsa.tables.spreadsheet import set_text
from cpsa.tables.write import to_csv_bytes

WORKBOOK = "national-tables.xlsx"


@dataclass(frozen=True)
class ReleaseTable:
    name: str  # file stem under tables/ and release/
    title: str
    description: str


TABLES = (
    ReleaseTable(
        "participation",
        "Who answered",
        "Board members who answered, overall and by partner type, with the response rate "
        "(partner types with too few members are blank).",
    ),
    ReleaseTable(
        "participation_cpps",
        "Participating partnerships",
        "Each participating CPP with the board members invited and the number who answered "
        "(participation only; no results by CPP), and whether it had enough answers to report.",
    ),
    ReleaseTable(
        "national_themes",
        "Theme scores across Scotland",
        "Each theme's score (mean over members of the share of the theme's statements agreed "
        "with, %) with its 95% interval.",
    ),
    ReleaseTable(
        "national_items",
        "Statements across Scotland",
        "Answers to every statement nationally: counts by answer, % positive with its 95% "
        "interval, % Don't know.",
    ),
    ReleaseTable(
        "variation_themes",
        "Variation between partnerships",
        "Quartiles of the partnerships' theme scores (rounded to 5 points) and how many are "
        "significantly above or below the rest of Scotland, within one Benjamini-Hochberg "
        "family of n_tests_family comparisons; no partnership named, no minimum or maximum.",
    ),
    ReleaseTable(
        "partner_types",
        "Partner types",
        "Theme scores by partner type, each compared with all other partner types "
        "(cluster-robust, partnership as the cluster), with a test across all types per theme.",
    ),
    ReleaseTable(
        "national_change_themes",
        "Change in theme scores",
        "Theme scores in this round and the baseline round, their difference with its 95% "
        "interval and test; scope 'all' (every reported partnership) and 'both_rounds' "
        "(partnerships reported in both rounds: like with like).",
    ),
    ReleaseTable(
        "national_change_items",
        "Change in statements",
        "% positive per statement in this round and the baseline round, with the difference and "
        "its 95% interval, for the same two scopes.",
    ),
    ReleaseTable(
        "dont_know",
        "Don't know answers",
        "% Don't know per statement with its 95% interval and the number of partnerships "
        "where at least a quarter of members answered Don't know.",
    ),
    ReleaseTable(
        "comment_counts",
        "Comments by theme",
        "Number of comments in each theme's strengths and improvements boxes.",
    ),
    ReleaseTable(
        "comment_topics",
        "Topics in comments",
        "Recurring topics in each theme's comments (seeded topic model; labels from top terms "
        "or an analyst), with how many comments and partnerships raise each. No comment text.",
    ),
)


# released whatever the number of reported CPPs: participation is public
PARTICIPATION = ("participation", "participation_cpps")


def release_dir(paths: Paths, round_: str) -> Path:
    return paths.round_outputs(round_) / "release"


def release_frames(cfg: RoundConfig, tables_dir: Path) -> dict[str, pd.DataFrame]:
    """The released tables, read from ``tables_dir`` and checked for disclosure.

    With fewer than ``thresholds.min_reported_cpps`` reported CPPs only the participation
    tables are released: a CPP could subtract its own answers from a national figure.
    """
    out: dict[str, pd.DataFrame] = {}
    allowed = results_allowed(cfg, tables_dir)
    for table in TABLES:
        if not allowed and table.name not in PARTICIPATION:
            continue
        file = tables_dir / f"{table.name}.csv"
        if not file.is_file():
            raise ConfigError(f"missing table {file}; run `cpsa tables --round {cfg.round}`")
        df = pd.read_csv(file, keep_default_na=False, na_values=[""])
        if table.name == "variation_themes":
            few = df["n_cpps"] < cfg.thresholds.min_reported_cpps
            quantiles = [c for c in df.columns if c.startswith("score_")]
            df[quantiles] = df[quantiles].astype(float).mask(few)
        out[table.name] = df
    return out


def results_allowed(cfg: RoundConfig, tables_dir: Path) -> bool:
    """At least ``thresholds.min_reported_cpps`` CPPs reported (``participation.csv``)."""
    file = tables_dir / "participation.csv"
    if not file.is_file():
        raise ConfigError(f"missing table {file}; run `cpsa tables --round {cfg.round}`")
    part = pd.read_csv(file)
    n = int(part.loc[part["group"] == "all", "n_cpps_reported"].iloc[0])
    return n >= cfg.thresholds.min_reported_cpps


def workbook_bytes(
    frames: dict[str, pd.DataFrame], *, cfg: RoundConfig, notes: list[tuple[str, str]]
) -> bytes:
    """``national-tables.xlsx`` as deterministic bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents.append([f"{cfg.title}: national tables"])
    contents["A1"].font = Font(bold=True, size=14)
    contents.append(["This workbook has a Notes sheet and one sheet per table."])
    contents.append(["Sheet", "Table", "Description", "Rows", "CSV file"])
    for cell in contents[3]:
        cell.font = Font(bold=True)
    tables = [t for t in TABLES if t.name in frames]
    for i, table in enumerate(tables, start=1):
        contents.append(
            [
                f"Table_{i}",
                table.title,
                table.description,
                len(frames[table.name]),
                f"{table.name}.csv",
            ]
        )
    for col, width in zip("ABCDE", (10, 32, 90, 8, 28), strict=True):
        contents.column_dimensions[col].width = width

    sheet = wb.create_sheet("Notes")
    sheet.append(["Notes"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Note", "Text"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for key, text in notes:
        sheet.append([key, text])
        note = sheet.cell(row=sheet.max_row, column=2)
        set_text(note, note.value)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 110

    for i, table in enumerate(tables, start=1):
        df = frames[table.name]
        ws = wb.create_sheet(f"Table_{i}")
        ws.append([f"Table {i}: {table.title}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([f"{table.description} Blank cells are suppressed or not applicable."])
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
            for c in ws[ws.max_row]:
                set_text(c, c.value)
        for j, col in enumerate(df.columns, start=1):
            ws.column_dimensions[ws.cell(row=3, column=j).column_letter].width = max(
                10, min(40, len(str(col)) + 2)
            )
        if len(df):
            last = ws.cell(row=3 + len(df), column=len(df.columns)).coordinate
            tab = Table(displayName=f"Table_{i}_data", ref=f"A3:{last}")
            tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
            ws.add_table(tab)
    fixed = (
        datetime.fromisoformat(cfg.publication.date) if cfg.publication else datetime(2000, 1, 1)
    )
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "cpsa"
    wb.properties.title = f"{cfg.title}: national tables"
    buf = io.BytesIO()
    wb.save(buf)
    return ooxml.fixed_dates(buf.getvalue(), fixed)


def _cell(v: object) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def release_notes(cfg: RoundConfig) -> list[tuple[str, str]]:
    th = cfg.thresholds
    pub = cfg.publication
    notes = [
        ("Source", f"{cfg.title}; round {cfg.round}."),
        ("Publication date", pub.date if pub else "not set"),
        ("Contact", pub.contact if pub else "not set"),
        (
            "Status",
            "Management information published by the Improvement Service; official statistics "
            "in development. Not accredited official statistics.",
        ),
        (
            "Revisions",
            "Not revised after publication unless an error is found; a corrected "
            "edition then states what changed.",
        ),
        (
            "Suppression",
            f"A CPP's answers count only when at least {th.min_respondents_report} members "
            f"answered; partner types with fewer than {th.min_group_national} members are blank; "
            f"variation between CPPs is blank for themes with fewer than "
            f"{th.min_reported_cpps} reported CPPs; comment topics raised in fewer than "
            f"{th.min_group_cpp} comments or {th.min_reported_cpps} CPPs are blank.",
        ),
        (
            "Significance",
            f"significance is 'higher'/'lower' when the Benjamini-Hochberg adjusted p-value "
            f"(q_value) is below {th.q_threshold:g}; 'similar' otherwise.",
        ),
        (
            "Units",
            "Columns starting pct_ or score, ci_, diff_ are percentages or percentage "
            "points; n_ columns are counts of people or comments.",
        ),
        ("Methods", "See the technical report published with the national overview."),
    ]
    if cfg.synthetic:
        notes.insert(0, ("Synthetic data", "Every figure is from synthetic demonstration data."))
    return notes


def write_release(
    round_: str, *, paths: Paths | None = None, folder: Path | None = None
) -> list[Path]:
    """Write ``outputs/<round>/release/`` (CSVs + workbook); returns the files, sorted.

    ``folder`` replaces the release folder: the build writes into its staging folder
    and publishes the release together with the national overview.
    """
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    frames = release_frames(cfg, paths.tables(round_))
    notes = release_notes(cfg)
    if "national_themes" not in frames:
        notes.append(
            (
                "Results withheld",
                f"Fewer than {cfg.thresholds.min_reported_cpps} partnerships were reported, so "
                "no national results are released (a partnership could subtract its own "
                "answers from them); only participation is published.",
            )
        )
    folder = folder or release_dir(paths, round_)
    files = []
    for name, df in frames.items():
        file = folder / f"{name}.csv"
        atomic.write_bytes(file, to_csv_bytes(df))
        files.append(file)
    book = folder / WORKBOOK
    atomic.write_bytes(book, workbook_bytes(frames, cfg=cfg, notes=notes))
    files.append(book)
    keep = {f.name for f in files}
    for old in folder.glob("*"):
        if old.is_file() and old.name not in keep and not old.name.startswith("."):
            old.unlink()
    return sorted(files)
