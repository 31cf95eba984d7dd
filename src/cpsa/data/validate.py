"""Check a survey export against the checklist codebook and the CPP list: ``cpsa validate``.

``check_export`` reads the export (any layout ``cpsa.data.layouts`` recognises),
finds its columns (the round's confirmed ``columns.yaml``, or else exact matches
only; see ``cpsa.data.colmap``), matches every cell to a known value, and returns
a ``Validation``: a report that first says what was read and which columns are
dropped (personal data and every column not mapped), then lists every problem
found, and, only when there is no problem, the parsed tidy tables that ``cpsa
ingest`` writes. The same problem in many cells is reported once, with a count
and the first rows; memory stays proportional to the file, never to the number
of problems. Row numbers are as a spreadsheet shows them (the first response is
row 2 of a one-header-row export, row 3 of a SurveyMonkey export, row 4 of a
Qualtrics export). Nothing is ever written.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from cpsa.config import Paths, get_paths, load_round
from cpsa.data import colmap
from cpsa.data.codebook import COMMENT_KINDS, Codebook, load_codebook
from cpsa.data.colmap import DROP, FIXED, FIXED_HEADINGS, ColumnMap
from cpsa.data.exports import ExportReadError, RawExport, read_export
from cpsa.data.reference import Reference, load_reference, normalise_label

log = logging.getLogger("cpsa.data.validate")

DEFAULT_CODEBOOK = "psif-board-v1"
MAX_SHOWN = 25  # problems printed; the rest are counted
_FIRST_ROWS = 3  # rows quoted for a problem found in many cells
_VALUES_PER_KIND = 10  # distinct offending values reported per kind of problem


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an export. ``row`` is the (first) spreadsheet row.

    A problem found in many cells is one ``Problem`` with ``count`` > 1, the first
    rows in ``rows`` and the number of columns it was seen in.
    """

    row: int | None
    column: str | None
    value: str | None
    message: str
    suggestion: str | None = None
    count: int = 1
    rows: tuple[int, ...] = ()
    n_columns: int = 1
    unit: str = "cells"
    headline: bool = False  # message already says how many

    def __str__(self) -> str:
        if self.count > 1 or self.headline:
            first = ", ".join(str(r) for r in self.rows)
            more = ", …" if self.count > len(self.rows) else ""
            where = f"rows {first}{more}"
            if self.n_columns > 1:
                where += f"; {self.n_columns} columns"
            elif self.column is not None:
                where += f"; column {self.column!r}"
            if self.headline:
                text = f"{self.message} ({where})"
            else:
                text = f"{self.count:,} {self.unit} ({where}): {self.message}"
        else:
            bits = []
            if self.row is not None:
                bits.append(f"row {self.row}")
            if self.column is not None:
                bits.append(f"column {self.column!r}")
            text = ", ".join(bits)
            text = f"{text}: {self.message}" if text else self.message
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.suggestion:
            text += f". {self.suggestion}"
        return text


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found in one export; valid when there are none."""

    source: str
    n_rows: int
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # harmless findings worth telling the user
    summary: str = ""  # what was read: layout, size, personal data dropped
    dropped: tuple[str, ...] = ()  # columns never kept, each with why

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self) -> str:
        lines = [self.summary] if self.summary else []
        if self.ok:
            lines.append(f"{self.source}: valid ({self.n_rows} responses)")
        else:
            n = len(self.problems)
            lines.append(f"{self.source}: {n} problem{'s' if n != 1 else ''} found:")
            lines += [f"  - {p}" for p in self.problems[:MAX_SHOWN]]
            if n > MAX_SHOWN:
                lines.append(f"  ... and {n - MAX_SHOWN} more problems not shown")
            lines.append(
                "Correct these in a copy of the export (never edit the original download), "
                "then run cpsa validate again."
            )
        if self.dropped:
            shown = ", ".join(self.dropped[:12])
            more = f" and {len(self.dropped) - 12} more" if len(self.dropped) > 12 else ""
            lines.append(f"  dropped (never written anywhere): {shown}{more}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class ParsedExport:
    """The tidy tables of a valid export (columns as in docs/architecture.md)."""

    respondents: pd.DataFrame
    responses: pd.DataFrame
    comments: pd.DataFrame


@dataclass(frozen=True)
class Validation:
    report: ValidationReport
    parsed: ParsedExport | None  # None unless the report is ok


class _Group:
    __slots__ = ("first", "count", "rows", "columns", "general")

    def __init__(self, first: Problem, general: str | None = None) -> None:
        self.first, self.count, self.rows, self.columns = first, 0, [], set()
        self.general = general


class Problems:
    """Problems found so far, one group per (kind, value): bounded however many cells fail."""

    def __init__(self) -> None:
        self.groups: dict[tuple, _Group] = {}
        self.values_of: Counter = Counter()

    def __bool__(self) -> bool:
        return bool(self.groups)

    def add(
        self,
        kind: str,
        row: int | None,
        column: str | None,
        value: str | None,
        message: str,
        suggestion: str | None = None,
        *,
        unit: str = "cells",
        general: str | None = None,
    ) -> None:
        """``general`` is the message to use when the problem is found in several columns."""
        key = (kind, value)
        g = self.groups.get(key)
        if g is None:
            if self.values_of[kind] >= _VALUES_PER_KIND:
                key = (kind, None)  # the rest of this kind, pooled
                g = self.groups.get(key)
                if g is None:
                    msg = f"{general or message.split(':')[0]} (other values)"
                    g = self.groups[key] = _Group(Problem(row, column, None, msg, unit=unit))
            else:
                self.values_of[kind] += 1
                g = self.groups[key] = _Group(
                    Problem(row, column, value, message, suggestion, unit=unit), general
                )
        g.count += 1
        if row is not None and len(g.rows) < _FIRST_ROWS and row not in g.rows:
            g.rows.append(row)
        if column is not None and len(g.columns) < 1000:
            g.columns.add(column)

    def result(self) -> list[Problem]:
        out = []
        for g in self.groups.values():
            p = g.first
            if g.count == 1 or p.headline:
                out.append(p)
                continue
            out.append(
                Problem(
                    p.row,
                    p.column if len(g.columns) <= 1 else None,
                    p.value,
                    g.general if g.general and len(g.columns) > 1 else p.message,
                    p.suggestion,
                    g.count,
                    tuple(g.rows),
                    max(1, len(g.columns)),
                    p.unit,
                )
            )
        return out


def _closest(query: str, choices: dict[str, str], *, limit: int = 3) -> list[str]:
    """Display names of the closest choices (``choices``: normalised -> display)."""
    found = process.extract(
        normalise_label(query), list(choices), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=60
    )
    names: list[str] = []
    for key, _, _ in found:
        if choices[key] not in names:
            names.append(choices[key])
    return names[:limit]


def _did_you_mean(names: list[str]) -> str | None:
    if not names:
        return None
    return "Did you mean " + " or ".join(repr(n) for n in names) + "?"


@dataclass(frozen=True)
class _Columns:
    fixed: dict[str, int]  # respondent_id/cpp/partner_type -> column index
    items: dict[str, int]  # statement id -> column index
    comments: dict[tuple[str, str], int]  # (theme, kind) -> column index
    dropped: tuple[str, ...] = ()  # headings of columns never kept, with why
    n_personal: int = 0


def _target_name(target: str, cb: Codebook) -> str:
    if target in FIXED:
        return f"column {FIXED_HEADINGS[target]!r}"
    if ":" in target:
        return f"comment question {target}"
    return f"statement {target} ({cb.statement(target).text!r})"


def _resolve_columns(
    raw: RawExport,
    cb: Codebook,
    ref: Reference,
    column_map: ColumnMap | None,
    round_name: str | None,
    problems: Problems,
    notes: list[str],
) -> _Columns:
    """Which column holds what: the confirmed map, or exact matches when there is no map."""
    proposals = colmap.propose(raw, cb, ref)
    known = {*FIXED, *(s.id for s in cb.statements)}
    known |= {colmap.comment_target(t.id, k) for t in cb.themes for k in COMMENT_KINDS}
    run_map = f"cpsa map --round {round_name}" if round_name else "cpsa map --round <round>"
    claims: dict[str, list[int]] = {}
    candidates: dict[str, list[str]] = {}  # target -> unconfirmed proposals naming it
    if column_map is None:
        for p in proposals:
            if p.maps_to != DROP and p.exact:
                claims.setdefault(p.maps_to, []).append(p.index)
            elif p.maps_to != DROP:
                candidates.setdefault(p.maps_to, []).append(
                    f"{p.heading!r} ({p.how}, {p.confidence:.2f})"
                )
    else:
        entries = column_map.by_heading()
        rel = f"params/{round_name}/columns.yaml" if round_name else str(column_map.source)
        for col in raw.columns:
            e = entries.get(col.key)
            if e is None or e.maps_to == DROP:
                continue
            if e.maps_to not in known:
                problems.add(
                    "map",
                    1,
                    col.key,
                    e.maps_to,
                    f"{rel} maps this column to {e.maps_to!r}, which is not a statement "
                    "id, a fixed column or a comment question of the codebook",
                    "Correct its maps_to (or set it to drop).",
                )
            elif e.confirmed:
                claims.setdefault(e.maps_to, []).append(col.index)
            else:
                also = f"; as close: {', '.join(e.also)}" if e.also else ""
                candidates.setdefault(e.maps_to, []).append(
                    f"{col.key!r} ({e.how or 'proposed'}, {e.confidence}{also})"
                )
                for a in e.also:
                    candidates.setdefault(a.split(" ")[0], []).append(
                        f"{col.key!r} (proposed for {e.maps_to}, {e.confidence})"
                    )
        absent = [h for h in entries if h not in set(raw.header)]
        if absent:
            notes.append(
                f"{len(absent)} heading(s) of {rel} are not in this export "
                f"(e.g. {absent[0]!r}); if the export changed, run {run_map} --force"
            )
    for target, cols in claims.items():
        if len(cols) > 1:
            first = cols[0]
            what = (
                f"statement {target}"
                if target in {s.id for s in cb.statements}
                else (f"the fixed column {target}" if target in FIXED else "the same question")
            )
            for i in cols[1:]:
                problems.add(
                    f"dup-column:{target}:{i}",
                    1,
                    raw.header[i],
                    None,
                    f"duplicated column: {what} is also in column {first + 1} "
                    f"({raw.header[first]!r})",
                    "Delete one of the two columns, keeping the one with the answers"
                    + (
                        " (or set the other's maps_to: drop in columns.yaml)."
                        if column_map
                        else "."
                    ),
                    unit="columns",
                )
    spare = {
        normalise_label(raw.header[i]): raw.header[i]
        for i in range(len(raw.header))
        if raw.header[i]
    }

    def missing(target: str, default_hint: str) -> None:
        cands = candidates.get(target, [])
        what = (
            f"missing column {FIXED_HEADINGS[target]!r}"
            if target in FIXED
            else f"missing column for {_target_name(target, cb)}"
        )
        if cands and column_map is not None:
            message = (
                f"{_target_name(target, cb)} has no confirmed column in "
                f"params/{round_name}/columns.yaml; candidate{'s' if len(cands) > 1 else ''}: "
                f"{' or '.join(cands)}"
            )
            hint = "Check the candidate, correct maps_to if needed and set confirmed: true."
        elif cands:
            message = what
            hint = (
                f"Did you mean {' or '.join(cands)}? If so, run {run_map} and confirm it in "
                f"columns.yaml, or rename that column to "
                f"{FIXED_HEADINGS[target] if target in FIXED else target!r}."
            )
        else:
            message, hint = what, default_hint
        problems.add(f"unmapped:{target}", 1, None, None, message, hint, unit="columns")

    for key in FIXED:
        if key not in claims:
            heading = FIXED_HEADINGS[key]
            missing(
                key,
                _did_you_mean(_closest(heading, spare, limit=1))
                or f"Add a column headed {heading!r}, or run {run_map}.",
            )
    for st in cb.statements:
        if st.id not in claims:
            hint = _did_you_mean(_closest(st.text, spare, limit=1))
            missing(
                st.id,
                hint + f" If so, rename that column to the statement's wording or to {st.id}, "
                f"or run {run_map}."
                if hint
                else f"Add a column headed {st.id!r}, or run {run_map} if it is headed otherwise.",
            )
    missing_comments = [
        f"{t.id}:{k}" for t in cb.themes for k in COMMENT_KINDS if f"{t.id}:{k}" not in claims
    ]
    if missing_comments:
        notes.append(
            f"no comment column for {len(missing_comments)} comment question(s) "
            f"({', '.join(missing_comments)}); those comments will be absent"
        )
    used = {cols[0] for cols in claims.values()}
    dropped, n_personal = [], 0
    for p in proposals:
        if p.index in used:
            continue
        kind = colmap.personal_kind(p.heading)
        if not p.heading:
            dropped.append(f"column {p.index + 1} (no heading)")
        elif kind:
            n_personal += 1
            dropped.append(f"{p.heading!r} ({kind})")
        else:
            dropped.append(repr(p.heading))
    first = {t: cols[0] for t, cols in claims.items()}
    return _Columns(
        fixed={k: i for k, i in first.items() if k in FIXED},
        items={k: i for k, i in first.items() if k not in FIXED and ":" not in k},
        comments={tuple(k.split(":", 1)): i for k, i in first.items() if ":" in k},
        dropped=tuple(dropped),
        n_personal=n_personal,
    )


def _response_lookup(cb: Codebook) -> dict[str, str]:
    table = {}
    for o in cb.scale:
        table[normalise_label(o.label)] = o.code
        table[normalise_label(o.code.replace("_", " "))] = o.code
    table[normalise_label("Dont know")] = "dont_know"
    return table


def _match_cpp(text: str, ref: Reference) -> str | None:
    return colmap.match_cpp(text, ref)


def check_export(
    path: Path | str,
    *,
    codebook: Codebook,
    reference: Reference,
    round_cpps: tuple[str, ...] | None = None,
    round_name: str | None = None,
    codes: dict[int, str] | None = None,
    sheet: str | None = None,
    column_map: ColumnMap | None = None,
    tidy: bool = True,
) -> Validation:
    """Validate an export; ``round_cpps`` (slugs) restricts the CPPs allowed.

    ``codes`` maps numeric answer codes to response labels; ``sheet`` names the XLSX
    worksheet; ``column_map`` is the round's confirmed column map (None: exact matches).
    """
    path = Path(path)
    try:
        raw = read_export(path, sheet=sheet, round_=round_name)
    except ExportReadError as exc:
        report = ValidationReport(path.name, 0, (Problem(None, None, None, str(exc)),))
        return Validation(report, None)
    problems = Problems()
    notes: list[str] = []
    cols = _resolve_columns(raw, codebook, reference, column_map, round_name, problems, notes)
    summary = raw.describe()
    if cols.n_personal:
        summary += (
            f"; {cols.n_personal} column{'s' if cols.n_personal != 1 else ''} of personal "
            "data will be dropped"
        )
    others = len(cols.dropped) - cols.n_personal
    if others:
        summary += f"; {others} other column{'s' if others != 1 else ''} not mapped will be dropped"
    checker = _RowChecker(raw, cols, codebook, reference, round_cpps, round_name, codes, problems)
    checker.keep_rows = tidy
    rows = checker.check_all()
    notes += checker.notes
    found = tuple(problems.result())
    report = ValidationReport(path.name, len(raw.rows), found, tuple(notes), summary, cols.dropped)
    if not report.ok or not tidy:  # `cpsa validate` never needs the tables
        return Validation(report, None)
    return Validation(report, _tidy(rows, sorted(cols.items), codebook))


@dataclass(frozen=True)
class _Row:
    respondent_id: str
    cpp: str
    partner_type: str
    responses: tuple[str | None, ...]  # codes, in the order of the sorted statement ids
    comments: dict[tuple[str, str], str]


class _RowChecker:
    """Checks the cells of each row, collecting problems; knows the lookups once."""

    def __init__(
        self,
        raw: RawExport,
        cols: _Columns,
        cb: Codebook,
        ref: Reference,
        round_cpps: tuple[str, ...] | None,
        round_name: str | None,
        codes: dict[int, str] | None,
        problems: Problems,
    ) -> None:
        self.raw, self.cols, self.cb, self.ref = raw, cols, cb, ref
        self.round_cpps, self.round_name = round_cpps, round_name
        self.problems = problems
        self.notes: list[str] = []
        self.labels = _response_lookup(cb)
        self.label_names = {normalise_label(o.label): o.label for o in cb.scale}
        self.cpp_names = {normalise_label(a): ref.cpp_name(s) for a, s in ref.aliases.items()}
        self.partner_names = {normalise_label(x): x for x in ref.partner_types["label"]}
        self.ids_seen: dict[str, int] = {}
        self.items = sorted(cols.items)
        self.item_cols = [cols.items[i] for i in self.items]
        # raw cell text -> response code for texts already seen to be valid: an export has
        # a handful of distinct answers but ~45 cells per row, and normalising every cell
        # was most of the time of a large ingest (docs/performance.md)
        self.known_responses: dict[str, str | None] = {"": None}
        self.codes = codes
        # numbers found where labels were expected (no codes: given): value -> cells
        self.numeric_counts: dict[str, int] = {}
        self.numeric_rows: list[int] = []
        self.numeric_columns: set[int] = set()
        self.bad_responses: dict[str, tuple[str, str, str]] = {}
        self.keep_rows = True
        self.cpps_seen: set[str] = set()
        self.cpp_cache: dict[str, str | None] = {}
        self.partner_cache: dict[str, str | None] = {}
        if codes:
            for k, label in codes.items():
                code = self.labels.get(normalise_label(label))
                if code is None:
                    where = f"params/{round_name}/round.yaml" if round_name else "the round config"
                    self.problems.add(
                        "codes",
                        None,
                        None,
                        label,
                        f"codes: in {where} maps {k} to {label!r}, which is not a response "
                        "of the codebook",
                        "Use the codebook's labels: " + ", ".join(o.label for o in cb.scale) + ".",
                    )
                else:
                    self.known_responses[str(k)] = code

    def heading(self, key: str) -> str:
        return self.raw.header[self.cols.fixed[key]]

    def problem(
        self,
        kind: str,
        row: int,
        column: str | None,
        value,
        message: str,
        hint=None,
        unit: str = "rows",
    ) -> None:
        self.problems.add(kind, row, column, value, message, hint, unit=unit)

    def check_all(self) -> list[_Row]:
        out: list[_Row] = []
        blank_lines = 0
        width = len(self.raw.header)
        first = self.raw.first_row
        last_k = len(self.raw.rows) - 1
        for k, cells in enumerate(self.raw.rows):
            row_no = k + first
            if not any(cells):
                blank_lines += 1
            elif len(cells) != width:
                self.check_shape(row_no, cells, last=k == last_k)
            else:
                row = self.check_row(row_no, cells)
                if not self.problems and self.keep_rows:  # rows of an invalid export are
                    out.append(row)  # never needed, nor when only validating
                elif self.round_cpps is not None:
                    self.cpps_seen.add(row.cpp)
        self.report_numeric()
        if blank_lines:
            self.notes.append(f"{blank_lines} completely blank line(s) were skipped")
        if self.round_cpps is not None and not self.problems:
            absent = sorted(set(self.round_cpps) - {r.cpp for r in out} - self.cpps_seen)
            if absent:
                self.notes.append(f"no responses from {len(absent)} CPP(s) of the round: {absent}")
        return out if not self.problems else []

    def check_shape(self, row_no: int, cells: tuple[str, ...], *, last: bool) -> None:
        width = len(self.raw.header)
        if self.raw.truncated and last:
            self.problem(
                "truncated",
                row_no,
                None,
                None,
                f"the file ends in the middle of this row ({len(cells)} of {width} cells): "
                "it looks truncated",
                "Download the export again; the copy you have is incomplete.",
            )
        else:
            self.problem(
                "shape",
                row_no,
                None,
                None,
                f"this row has a different number of cells from the header ({width})",
                "A comment may contain an unquoted comma or line break; export the file "
                "again as CSV, or use the XLSX export.",
            )

    def check_row(self, row_no: int, cells: tuple[str, ...]) -> _Row:
        fixed = {key: cells[i] for key, i in self.cols.fixed.items()}
        rid = fixed.get("respondent_id", "")
        if "respondent_id" in fixed:
            self.check_id(row_no, rid)
        slug = self.check_cpp(row_no, fixed["cpp"]) if "cpp" in fixed else None
        partner = None
        if "partner_type" in fixed:
            partner = self.check_partner(row_no, fixed["partner_type"])
        known = self.known_responses
        responses = tuple(
            known[cells[i]] if cells[i] in known else self.check_response(row_no, item, i, cells[i])
            for item, i in zip(self.items, self.item_cols, strict=True)
        )
        comments = {key: cells[i] for key, i in self.cols.comments.items() if cells[i]}
        if self.item_cols and all(not cells[i] for i in self.item_cols):
            if comments:
                self.notes.append(f"row {row_no} has comments but no ratings")
            else:
                self.problem(
                    "empty",
                    row_no,
                    None,
                    None,
                    "empty response: no statement is answered and there is no comment",
                    "Delete this row: the board member opened the survey but did not answer it.",
                )
        return _Row(rid, slug or "", partner or "", responses, comments)

    def check_id(self, row_no: int, rid: str) -> None:
        column = self.heading("respondent_id")
        if not rid:
            self.problem(
                "no-id",
                row_no,
                column,
                "",
                "missing respondent id",
                "Every response needs its own id from the survey tool.",
            )
        elif rid in self.ids_seen:
            self.problem(
                "dup-id",
                row_no,
                column,
                rid,
                f"duplicate respondent id: the same id is on row {self.ids_seen[rid]}",
                "The same response may have been exported twice; delete the duplicate row, "
                "or give each response its own id.",
            )
        else:
            self.ids_seen[rid] = row_no

    def check_cpp(self, row_no: int, text: str) -> str | None:
        if text in self.cpp_cache and self.cpp_cache[text] is not None:
            return self.cpp_cache[text]
        column = self.heading("cpp")
        if not text:
            self.problem(
                "no-cpp",
                row_no,
                column,
                "",
                "missing CPP",
                "Fill in the CPP the respondent belongs to.",
            )
            return None
        slug = _match_cpp(text, self.ref)
        if slug is None:
            self.problem(
                "cpp",
                row_no,
                column,
                text,
                "unknown CPP",
                _did_you_mean(_closest(text, self.cpp_names))
                or "Use one of the 32 CPP names in data/reference/cpps.csv.",
            )
        elif self.round_cpps is not None and slug not in self.round_cpps:
            name = self.round_name
            self.problem(
                "cpp-round",
                row_no,
                column,
                text,
                f"{self.ref.cpp_name(slug)} is not taking part in round {name}",
                f"Correct the CPP, or add '{slug}' to cpps in params/{name}/round.yaml "
                "if it did take part.",
            )
        else:
            self.cpp_cache[text] = slug
        return slug

    def check_partner(self, row_no: int, text: str) -> str | None:
        if self.partner_cache.get(text) is not None:
            return self.partner_cache[text]
        partner = self.ref.match_partner_type(text) if text else None
        if partner is None:
            hint = _did_you_mean(_closest(text, self.partner_names)) if text else None
            known = ", ".join(self.ref.partner_types["label"])
            self.problem(
                "partner",
                row_no,
                self.heading("partner_type"),
                text,
                "unknown partner type" if text else "missing partner type",
                hint or f"Use one of: {known} ('Other' if none fits).",
            )
        else:
            self.partner_cache[text] = partner
        return partner

    def check_response(self, row_no: int, item: str, index: int, value: str) -> str | None:
        """The code of a cell not yet known to be valid (the common case is cached)."""
        counts = self.numeric_counts
        if value in counts:  # a number seen before, and there are no codes: (inlined: hot)
            counts[value] += 1
            if len(self.numeric_rows) < _FIRST_ROWS and row_no not in self.numeric_rows:
                self.numeric_rows.append(row_no)
            self.numeric_columns.add(index)
            return None
        bad = self.bad_responses.get(value)
        if bad is None:
            code = self.labels.get(normalise_label(value))
            if code is not None:
                self.known_responses[value] = code
                return code
            if value.isdigit() and len(value) <= 3 and not self.codes:
                self.numeric_counts[value] = 1
                self.note_numeric(row_no, index)
                return None
            if value.isdigit() and len(value) <= 3:
                bad = (
                    "code",
                    f"answer code {int(value)} is not in codes: of the round config",
                    "Add it to codes: in the round config, or correct the cell.",
                )
            else:
                known = ", ".join(o.label for o in self.cb.scale)
                bad = (
                    "response",
                    "unknown response",
                    _did_you_mean(_closest(value, self.label_names, limit=1))
                    or f"Use one of: {known}, or leave the cell blank.",
                )
            if len(self.bad_responses) < 10_000:  # the suggestion is worked out once per value
                self.bad_responses[value] = bad
        kind, message, hint = bad
        if kind == "response":
            message = f"unknown response to statement {item}"
        self.problems.add(
            kind, row_no, self.raw.header[index], value, message, hint, unit="cells",
            general=bad[1],
        )  # fmt: skip
        return None

    def note_numeric(self, row_no: int, index: int) -> None:
        rows = self.numeric_rows
        if len(rows) < _FIRST_ROWS and row_no not in rows:
            rows.append(row_no)
        self.numeric_columns.add(index)

    def report_numeric(self) -> None:
        if not self.numeric_counts:
            return
        count = sum(self.numeric_counts.values())
        numbers = sorted(int(v) for v in self.numeric_counts)
        low, high, rows, columns = numbers[0], numbers[-1], self.numeric_rows, self.numeric_columns
        where = f"params/{self.round_name}/round.yaml" if self.round_name else "the round config"
        example = ", ".join(f"{k + 1}: {o.label}" for k, o in enumerate(self.cb.scale))
        numbers = f"{low}–{high}" if low != high else f"{low}"
        self.problems.groups[("numeric", None)] = g = _Group(
            Problem(
                rows[0],
                None,
                None,
                f"{count:,} cells hold numbers {numbers} — this looks like an export with numeric "
                f"codes",
                f"Add codes: to {where}, e.g. codes: {{{example}}} (check the numbers against the "
                "survey's answer options)",
                count=count,
                rows=tuple(rows),
                n_columns=len(columns),
                headline=True,
            )
        )
        g.count, g.rows, g.columns = count, rows, columns


def _tidy(rows: list[_Row], items: list[str], cb: Codebook) -> ParsedExport:
    """The tidy tables, built column-wise: one row per respondent x statement.

    Every row has the same statements in the same order (the matched columns), so
    the responses table is the respondents repeated once per statement beside the
    statements tiled once per respondent. Sorting the respondents by (cpp, id) and
    the statements by id gives the documented order without sorting 1.4 million
    rows of a large round.
    """
    score = {o.code: o.score for o in cb.scale}
    theme_of = {s.id: s.theme for s in cb.statements}
    rows = sorted(rows, key=lambda r: (r.cpp, r.respondent_id))
    respondents = _frame(
        {
            "respondent_id": _objects([r.respondent_id for r in rows]),
            "cpp": _objects([r.cpp for r in rows]),
            "partner_type": _objects([r.partner_type for r in rows]),
        }
    )
    n_items = len(items)
    codes = _objects([c for r in rows for c in r.responses])
    responses = _frame(
        {
            **{c: np.repeat(respondents[c].to_numpy(), n_items) for c in respondents.columns},
            "theme": np.tile(_objects([theme_of[i] for i in items]), len(rows)),
            "item": np.tile(_objects(items), len(rows)),
            "response": codes,
            "score": pd.array([score[c] if c else None for c in codes], dtype="Int64"),
        }
    )
    comments = pd.DataFrame(
        [
            (r.respondent_id, r.cpp, r.partner_type, theme, kind, text)
            for r in rows
            for (theme, kind), text in r.comments.items()
        ],
        columns=["respondent_id", "cpp", "partner_type", "theme", "kind", "text"],
    )
    comments = comments.astype(object)
    return ParsedExport(
        respondents=respondents,
        responses=responses,
        comments=comments.sort_values(["cpp", "respondent_id", "theme", "kind"]).reset_index(
            drop=True
        ),
    )


def _frame(columns: dict) -> pd.DataFrame:
    """A frame keeping object columns as object (pandas would infer its string dtype)."""
    return pd.DataFrame(
        {
            k: v if isinstance(v, pd.api.extensions.ExtensionArray) else pd.Series(v, dtype=object)
            for k, v in columns.items()
        }
    )


def _objects(values: list) -> np.ndarray:
    """A 1-d object array (np.array would make fixed-width strings, or 2-d from tuples)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def validate_file(
    path: Path | str,
    *,
    round_: str | None = None,
    codebook_id: str | None = None,
    paths: Paths | None = None,
    tidy: bool = True,
) -> Validation:
    """Validate against a round's codebook, CPPs, codes, sheet and column map, or a codebook.

    ``tidy=False`` skips building the tidy tables of a valid export (``parsed`` is None).
    """
    paths = paths or get_paths()
    cpps = codes = sheet = column_map = None
    if round_ is not None:
        cfg = load_round(round_, paths)
        codebook_id = codebook_id or cfg.codebook
        cpps, codes, sheet = cfg.cpps, cfg.codes, cfg.sheet
        column_map = colmap.load_map(round_, paths)
    cb = load_codebook(codebook_id or DEFAULT_CODEBOOK, paths)
    return check_export(
        path,
        codebook=cb,
        reference=load_reference(paths),
        round_cpps=cpps,
        round_name=round_,
        codes=codes,
        sheet=sheet,
        column_map=column_map,
    )
