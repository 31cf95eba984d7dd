"""Check a survey export against the checklist codebook and the CPP list: ``cpsa validate``.

``check_export`` reads the export, matches its columns to the codebook and every
cell to a known value, and returns a ``Validation``: a report listing *every*
problem found (each with the spreadsheet row number, column, offending value and
a suggestion where one exists) and, only when there is no problem, the parsed
tidy tables that ``cpsa ingest`` writes. Row numbers are as a spreadsheet shows
them: the header is row 1, the first response row 2. Nothing is ever written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from cpsa.config import ConfigError, Paths, get_paths, load_round
from cpsa.data.codebook import COMMENT_KINDS, Codebook, load_codebook
from cpsa.data.exports import (
    CPP_COLUMN,
    ID_COLUMN,
    PARTNER_COLUMN,
    ExportReadError,
    RawExport,
    read_export,
)
from cpsa.data.reference import Reference, load_reference, normalise_label

log = logging.getLogger("cpsa.data.validate")

DEFAULT_CODEBOOK = "psif-board-v1"

# Other headings survey tools use for the fixed columns.
_FIXED_ALIASES = {
    "respondent_id": [ID_COLUMN, "respondent_id", "Respondent", "Response ID", "ResponseId", "ID"],
    "cpp": [CPP_COLUMN, "cpp", "CPP", "Partnership", "Community planning partnership name"],
    "partner_type": [PARTNER_COLUMN, "partner_type", "Partner", "Organisation type"],
}
_FIXED_HEADINGS = {"respondent_id": ID_COLUMN, "cpp": CPP_COLUMN, "partner_type": PARTNER_COLUMN}
# Words people add around a CPP name ("Fife Partnership", "Angus CPP", "Moray Council").
_CPP_NOISE = re.compile(
    r"\b(community planning partnership|community planning|partnership|cpp|council)\b"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an export. ``row`` is the spreadsheet row (header = 1)."""

    row: int | None
    column: str | None
    value: str | None
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
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

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self) -> str:
        if self.ok:
            lines = [f"{self.source}: valid ({self.n_rows} responses)"]
        else:
            n = len(self.problems)
            lines = [f"{self.source}: {n} problem{'s' if n != 1 else ''} found:"]
            lines += [f"  - {p}" for p in self.problems]
            lines.append(
                "Correct these in a copy of the export (never edit the original download), "
                "then run cpsa validate again."
            )
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


def _match_columns(
    header: tuple[str, ...], cb: Codebook, problems: list[Problem], notes: list[str]
) -> _Columns:
    lookup: dict[str, tuple[str, object]] = {}
    for key, names in _FIXED_ALIASES.items():
        for n in names:
            lookup[normalise_label(n)] = ("fixed", key)
    for st in cb.statements:
        lookup[normalise_label(st.text)] = ("item", st.id)
        lookup[normalise_label(st.id)] = ("item", st.id)
    for t in cb.themes:
        for kind in COMMENT_KINDS:
            question = t.strengths_question if kind == "strengths" else t.improvements_question
            for n in (question, f"{t.id}_{kind}", f"{t.id}:{kind}", f"{t.id} {kind}"):
                lookup[normalise_label(n)] = ("comment", (t.id, kind))

    seen: dict[tuple[str, object], list[int]] = defaultdict(list)
    unmatched: list[int] = []
    for i, h in enumerate(header):
        hit = lookup.get(normalise_label(h))
        if hit is None:
            unmatched.append(i)
        else:
            seen[hit].append(i)
    for (kind, key), cols in seen.items():
        if len(cols) > 1:
            what = f"statement {key}" if kind == "item" else "the same question"
            for i in cols[1:]:
                problems.append(
                    Problem(
                        1,
                        header[i],
                        None,
                        f"duplicated column: {what} is also in column {cols[0] + 1} "
                        f"({header[cols[0]]!r})",
                        "Delete one of the two columns, keeping the one with the answers.",
                    )
                )
    spare = {normalise_label(header[i]): header[i] for i in unmatched if header[i]}
    for key, heading in _FIXED_HEADINGS.items():
        if ("fixed", key) not in seen:
            problems.append(
                Problem(
                    1,
                    None,
                    None,
                    f"missing column {heading!r}",
                    _did_you_mean(_closest(heading, spare, limit=1))
                    or f"Add a column headed {heading!r}.",
                )
            )
    for st in cb.statements:
        if ("item", st.id) not in seen:
            hint = _did_you_mean(_closest(st.text, spare, limit=1))
            problems.append(
                Problem(
                    1,
                    None,
                    None,
                    f"missing column for statement {st.id} ({st.text!r})",
                    (hint + f" If so, rename that column to the statement's wording or to {st.id}.")
                    if hint
                    else f"Add a column headed {st.id!r}.",
                )
            )
    missing_comments = [
        f"{t}:{k}"
        for t in (x.id for x in cb.themes)
        for k in COMMENT_KINDS
        if ("comment", (t, k)) not in seen
    ]
    if missing_comments:
        notes.append(
            f"no comment column for {len(missing_comments)} comment question(s) "
            f"({', '.join(missing_comments)}); those comments will be absent"
        )
    ignored = [header[i] for i in unmatched if header[i]]
    if ignored:
        notes.append(f"{len(ignored)} column(s) not in the checklist were ignored: {ignored}")
    if any(not header[i] for i in unmatched):
        notes.append("column(s) with an empty heading were ignored")

    def first(kind: str) -> dict:
        return {key: cols[0] for (k, key), cols in seen.items() if k == kind}

    return _Columns(first("fixed"), first("item"), first("comment"))


def _response_lookup(cb: Codebook) -> dict[str, str]:
    table = {}
    for o in cb.scale:
        table[normalise_label(o.label)] = o.code
        table[normalise_label(o.code.replace("_", " "))] = o.code
    table[normalise_label("Dont know")] = "dont_know"
    return table


def _match_cpp(text: str, ref: Reference) -> str | None:
    slug = ref.match_cpp(text)
    if slug is None:
        stripped = _CPP_NOISE.sub(" ", normalise_label(text))
        slug = ref.match_cpp(stripped)
    return slug


def check_export(
    path: Path | str,
    *,
    codebook: Codebook,
    reference: Reference,
    round_cpps: tuple[str, ...] | None = None,
    round_name: str | None = None,
) -> Validation:
    """Validate an export; ``round_cpps`` (slugs) restricts the CPPs allowed."""
    path = Path(path)
    try:
        raw = read_export(path)
    except ExportReadError as exc:
        report = ValidationReport(path.name, 0, (Problem(None, None, None, str(exc)),))
        return Validation(report, None)
    problems: list[Problem] = []
    notes: list[str] = []
    cols = _match_columns(raw.header, codebook, problems, notes)
    checker = _RowChecker(raw, cols, codebook, reference, round_cpps, round_name)
    rows = checker.check_all()
    problems += checker.problems
    notes += checker.notes
    report = ValidationReport(path.name, len(raw.rows), tuple(problems), tuple(notes))
    if not report.ok:
        return Validation(report, None)
    return Validation(report, _tidy(rows, codebook))


@dataclass(frozen=True)
class _Row:
    respondent_id: str
    cpp: str
    partner_type: str
    responses: dict[str, str | None]  # item -> code
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
    ) -> None:
        self.raw, self.cols, self.cb, self.ref = raw, cols, cb, ref
        self.round_cpps, self.round_name = round_cpps, round_name
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.labels = _response_lookup(cb)
        self.label_names = {normalise_label(o.label): o.label for o in cb.scale}
        self.cpp_names = {normalise_label(a): ref.cpp_name(s) for a, s in ref.aliases.items()}
        self.partner_names = {normalise_label(x): x for x in ref.partner_types["label"]}
        self.ids_seen: dict[str, int] = {}
        # raw cell text -> response code for texts already seen to be valid: an export has
        # a handful of distinct answers but ~45 cells per row, and normalising every cell
        # was most of the time of a large ingest (docs/performance.md)
        self.known_responses: dict[str, str | None] = {"": None}

    def heading(self, key: str) -> str:
        return self.raw.header[self.cols.fixed[key]]

    def problem(self, row: int, column: str | None, value, message: str, hint=None) -> None:
        self.problems.append(Problem(row, column, value, message, hint))

    def check_all(self) -> list[_Row]:
        out: list[_Row] = []
        blank_lines = 0
        width = len(self.raw.header)
        for k, cells in enumerate(self.raw.rows):
            row_no = k + 2
            if not any(cells):
                blank_lines += 1
            elif len(cells) != width:
                self.check_shape(row_no, cells, last=k == len(self.raw.rows) - 1)
            else:
                out.append(self.check_row(row_no, cells))
        if blank_lines:
            self.notes.append(f"{blank_lines} completely blank line(s) were skipped")
        if self.round_cpps is not None:
            absent = sorted(set(self.round_cpps) - {r.cpp for r in out})
            if absent:
                self.notes.append(f"no responses from {len(absent)} CPP(s) of the round: {absent}")
        return out

    def check_shape(self, row_no: int, cells: tuple[str, ...], *, last: bool) -> None:
        width = len(self.raw.header)
        if self.raw.truncated and last:
            self.problem(
                row_no, None, None,
                f"the file ends in the middle of this row ({len(cells)} of {width} cells): "
                "it looks truncated",
                "Download the export again; the copy you have is incomplete.",
            )  # fmt: skip
        else:
            self.problem(
                row_no, None, None,
                f"this row has {len(cells)} cells but the header has {width}",
                "A comment may contain an unquoted comma or line break; export the file "
                "again as CSV, or use the XLSX export.",
            )  # fmt: skip

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
        responses = {
            item: known[cells[i]]
            if cells[i] in known
            else self.check_response(row_no, item, i, cells[i])
            for item, i in self.cols.items.items()
        }
        comments = {key: cells[i] for key, i in self.cols.comments.items() if cells[i]}
        if self.cols.items and all(not cells[i] for i in self.cols.items.values()):
            if comments:
                self.notes.append(f"row {row_no} has comments but no ratings")
            else:
                self.problem(
                    row_no, None, None,
                    "empty response: no statement is answered and there is no comment",
                    "Delete this row: the board member opened the survey but did not answer it.",
                )  # fmt: skip
        return _Row(rid, slug or "", partner or "", responses, comments)

    def check_id(self, row_no: int, rid: str) -> None:
        column = self.heading("respondent_id")
        if not rid:
            self.problem(
                row_no, column, "", "missing respondent id",
                "Every response needs its own id from the survey tool.",
            )  # fmt: skip
        elif rid in self.ids_seen:
            self.problem(
                row_no, column, rid,
                f"duplicate respondent id: the same id is on row {self.ids_seen[rid]}",
                "The same response may have been exported twice; delete the duplicate row, "
                "or give each response its own id.",
            )  # fmt: skip
        else:
            self.ids_seen[rid] = row_no

    def check_cpp(self, row_no: int, text: str) -> str | None:
        column = self.heading("cpp")
        if not text:
            self.problem(
                row_no, column, "", "missing CPP", "Fill in the CPP the respondent belongs to."
            )
            return None
        slug = _match_cpp(text, self.ref)
        if slug is None:
            self.problem(
                row_no, column, text, "unknown CPP",
                _did_you_mean(_closest(text, self.cpp_names))
                or "Use one of the 32 CPP names in data/reference/cpps.csv.",
            )  # fmt: skip
        elif self.round_cpps is not None and slug not in self.round_cpps:
            name = self.round_name
            self.problem(
                row_no, column, text,
                f"{self.ref.cpp_name(slug)} is not taking part in round {name}",
                f"Correct the CPP, or add '{slug}' to cpps in params/{name}/round.yaml "
                "if it did take part.",
            )  # fmt: skip
        return slug

    def check_partner(self, row_no: int, text: str) -> str | None:
        partner = self.ref.match_partner_type(text) if text else None
        if partner is None:
            hint = _did_you_mean(_closest(text, self.partner_names)) if text else None
            known = ", ".join(self.ref.partner_types["label"])
            self.problem(
                row_no, self.heading("partner_type"), text,
                "unknown partner type" if text else "missing partner type",
                hint or f"Use one of: {known} ('Other' if none fits).",
            )  # fmt: skip
        return partner

    def check_response(self, row_no: int, item: str, index: int, value: str) -> str | None:
        if not value:
            return None
        code = self.labels.get(normalise_label(value))
        if code is not None:
            self.known_responses[value] = code
        else:
            known = ", ".join(o.label for o in self.cb.scale)
            self.problem(
                row_no, self.raw.header[index], value,
                f"unknown response to statement {item}",
                _did_you_mean(_closest(value, self.label_names, limit=1))
                or f"Use one of: {known}, or leave the cell blank.",
            )  # fmt: skip
        return code


def _tidy(rows: list[_Row], cb: Codebook) -> ParsedExport:
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
    items = sorted(rows[0].responses) if rows else []
    n_items = len(items)
    codes = _objects([r.responses[item] for r in rows for item in items])
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
) -> Validation:
    """Validate against a round's codebook and CPPs, or just a codebook without a round."""
    paths = paths or get_paths()
    cpps = None
    if round_ is not None:
        cfg = load_round(round_, paths)
        codebook_id = codebook_id or cfg.codebook
        cpps = cfg.cpps
    cb = load_codebook(codebook_id or DEFAULT_CODEBOOK, paths)
    return check_export(
        path, codebook=cb, reference=load_reference(paths), round_cpps=cpps, round_name=round_
    )


def add_arguments(parser) -> None:
    parser.add_argument("file", type=Path, help="the survey export (CSV or XLSX)")
    parser.add_argument(
        "--round", default=None, help="check against this round's codebook and CPP list"
    )
    parser.add_argument(
        "--codebook", default=None, help=f"codebook id when no round is given ({DEFAULT_CODEBOOK})"
    )


def run(args) -> int:
    if not args.file.exists():
        raise ConfigError(f"{args.file}: no such file")
    result = validate_file(args.file, round_=args.round, codebook_id=args.codebook)
    report = result.report
    print(report.format(), file=sys.stderr)
    log.info(
        "validated %s: %d rows, %d problem(s)", report.source, report.n_rows, len(report.problems)
    )
    return 0 if report.ok else 2
