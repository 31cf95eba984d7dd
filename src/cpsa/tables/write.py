"""``cpsa tables``: compute a round's statistics once and publish them as CSV/JSON.

Reads ``data/processed/<round>/`` (and the baseline round's, ingesting it if
needed), the round config, the codebook and board sizes; computes every table
with :mod:`cpsa.tables.compute` (suppression already applied) and writes
``outputs/<round>/tables/`` (see docs/architecture.md, "Tables"). Output is
deterministic and byte-identical across runs: rows sorted, floats rounded to
6 decimals, booleans ``true``/``false``. A file whose content is unchanged is not
rewritten, so its mtime stays put for the incremental build. Every table is
checked against its declaration in :mod:`cpsa.tables.schema` before anything is
written; notebooks read the results back through :mod:`cpsa.tables.read`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cpsa import atomic
from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import load_codebook
from cpsa.data.ingest import ingest_round, load_processed, processed_intact
from cpsa.data.reference import load_reference
from cpsa.stats import suppression, topics
from cpsa.stats.redact import Redaction  # h6-text (issue 16.14/16.15)
from cpsa.tables import (
    benchmark,  # h4: board among boards (by_cpp/<slug>/benchmark.csv)
    schema,
)
from cpsa.tables import compute as roundstats
from cpsa.tables.spreadsheet import neutralise_cells  # h6-text (16.13)

log = logging.getLogger("cpsa.tables.write")

FLOAT_DECIMALS = 6

NATIONAL_FILES = tuple(schema.TABLES)  # every round table, in the schema's order
BUNDLE_FILES = tuple(schema.BUNDLE)  # items, themes, change_items, change_themes, comments


@dataclass(frozen=True)
class TablesResult:
    """What ``write_round_tables`` did."""

    round: str
    out_dir: Path
    written: tuple[Path, ...]  # files created or changed
    unchanged: tuple[Path, ...]  # files already identical, left untouched
    n_cpps: int
    n_reported: int


# --------------------------------------------------------------------------- formatting


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Deterministic CSV: floats rounded to 6 dp, booleans true/false, missing = empty."""
    columns = [_column_strings(s) for _, s in df.items()]
    # h6-text (issue 16.13): text a spreadsheet would run as a formula is stored as text
    columns = [
        c if isinstance(s.dtype, np.dtype) and s.dtype.kind in "biuf" else neutralise_cells(c)
        for c, (_, s) in zip(columns, df.items(), strict=True)
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([str(c) for c in df.columns])
    writer.writerows(zip(*columns, strict=True) if columns else [])
    return buf.getvalue().encode("utf-8")


def _column_strings(s: pd.Series) -> list[str]:
    """One column as CSV cell strings (vectorised per dtype: small tables are many).

    Plain numpy columns are handled on the array itself: a round writes ~3,000
    columns, and pandas' per-Series overhead (isna, dtype inference) was most of it.
    """
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        vals = s.to_numpy()
        if dtype.kind == "b":
            return np.where(vals, "true", "false").tolist()
        if dtype.kind in "iu":
            return vals.astype(str).tolist()
        # + 0.0 turns -0.0 into 0.0 so both print the same; numpy str() is the shortest repr
        out = (np.round(vals, FLOAT_DECIMALS) + 0.0).astype(str).astype(object)
        out[np.isnan(vals)] = ""
        return out.tolist()
    if isinstance(dtype, pd.StringDtype):
        return s.to_numpy(dtype=object, na_value="").tolist()
    missing = s.isna().to_numpy()
    kind = dtype.kind
    if kind == "b" or dtype.name == "boolean":
        vals = s.to_numpy(dtype=object, na_value=False).astype(bool)
        out = np.where(vals, "true", "false").astype(object)
    elif kind == "f" or dtype.name == "Float64":
        vals = np.round(s.to_numpy(dtype=float, na_value=np.nan), FLOAT_DECIMALS) + 0.0
        out = vals.astype(str).astype(object)
    elif kind in "iu" or dtype.name in ("Int64", "Int32"):
        out = s.to_numpy(dtype=np.int64, na_value=0).astype(str).astype(object)
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        out = np.array(s.to_numpy(dtype=object, na_value=""), dtype=object)  # writable copy
    else:
        out = np.array([_cell(v) for v in s.to_numpy(dtype=object)], dtype=object)
    out[missing] = ""
    return out.tolist()


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return str(round(float(v), FLOAT_DECIMALS) + 0.0)
    return str(v)


def _json_value(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else round(float(v), FLOAT_DECIMALS)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def _write_if_changed(path: Path, data: bytes, written: list[Path], same: list[Path]) -> None:
    if path.is_file() and path.read_bytes() == data:
        same.append(path)
        return
    atomic.write_bytes(path, data)
    written.append(path)


# --------------------------------------------------------------------------- inputs


def _load_processed(round_: str, paths: Paths) -> dict[str, pd.DataFrame]:
    """:func:`cpsa.data.ingest.load_processed`, with the responses' key columns as categoricals.

    A large round's responses are 1.5 million rows of a few thousand distinct
    strings. Read dictionary-encoded they load several times faster than as Python-
    visible strings, and the statistics only group by them. Categories are sorted,
    so groups come out in the same (alphabetical) order as from strings.
    """
    folder = paths.processed(round_)
    if not (folder / "manifest.json").is_file():
        return load_processed(round_, paths=paths)  # raises its "run cpsa ingest" error
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not processed_intact(folder, manifest):
        return load_processed(round_, paths=paths)  # raises its "damaged" error
    out = {t: pd.read_parquet(folder / f"{t}.parquet") for t in ("respondents", "comments")}
    path = folder / "responses.parquet"
    names = set(pq.read_schema(path).names)
    keys = [c for c in RESPONSE_KEY_COLUMNS if c in names]
    responses = pq.read_table(path, read_dictionary=keys).to_pandas()
    for c in keys:
        cats = responses[c].cat.categories
        responses[c] = responses[c].cat.reorder_categories(sorted(cats))
    out["responses"] = responses
    return out


# the responses columns read as categoricals (see _load_processed)
RESPONSE_KEY_COLUMNS = ("respondent_id", "cpp", "partner_type", "theme", "item", "response")


def _round_data(cfg: RoundConfig, paths: Paths) -> roundstats.RoundData:
    codebook = load_codebook(cfg.codebook, paths)
    tables = _load_processed(cfg.round, paths)
    unknown = sorted(set(tables["respondents"]["cpp"]) - set(cfg.cpps))
    if unknown:
        raise ConfigError(
            f"processed data of {cfg.round} has CPPs not in params/{cfg.round}/round.yaml: "
            f"{unknown}; re-run `cpsa ingest --round {cfg.round}`"
        )
    invited: dict[str, int] = {}
    sizes = cfg.board_sizes_path(paths)
    if sizes is not None:
        if not sizes.is_file():
            raise ConfigError(
                f"board sizes file {cfg.board_sizes} (params/{cfg.round}/round.yaml) is missing"
            )
        bs = pd.read_csv(sizes, dtype={"cpp": str})
        if not {"cpp", "members_invited"} <= set(bs.columns):
            raise ConfigError(f"{cfg.board_sizes}: needs columns cpp,members_invited")
        invited = {str(c): int(n) for c, n in zip(bs["cpp"], bs["members_invited"], strict=True)}
    return roundstats.RoundData(
        round=cfg.round,
        responses=tables["responses"],
        respondents=tables["respondents"],
        comments=tables["comments"],
        cpps=tuple(sorted(cfg.cpps)),
        items=tuple(s.id for s in codebook.statements),
        item_theme={s.id: s.theme for s in codebook.statements},
        themes=tuple(t.id for t in codebook.themes),
        members_invited=invited,
    )


def _settings(cfg: RoundConfig) -> roundstats.Settings:
    t = cfg.thresholds
    return roundstats.Settings(
        seed=cfg.seed,
        permutations=t.permutations,
        q_threshold=t.q_threshold,
        min_respondents_report=t.min_respondents_report,
        min_group_cpp=t.min_group_cpp,
        min_group_national=t.min_group_national,
        min_reported_cpps=t.min_reported_cpps,
        min_valid_statement=t.min_valid_statement,
    )


def topic_settings(cfg: RoundConfig, paths: Paths) -> topics.TopicSettings:
    """How comment topics are found: thresholds from round.yaml, labels from topics.yaml."""
    n_topics, labels = topics.load_labels(topics.topics_file(paths.round_params(cfg.round)))
    t = cfg.thresholds
    return topics.TopicSettings(
        n_topics=n_topics or topics.TopicSettings.n_topics,
        seed=cfg.seed,
        min_comments=t.min_group_cpp,
        min_cpps=t.min_reported_cpps,
        labels=labels,
    )


def _baseline(cfg: RoundConfig, paths: Paths) -> tuple[RoundConfig, roundstats.RoundData] | None:
    if not cfg.baseline:
        return None
    base_cfg = load_round(cfg.baseline, paths)
    if not (paths.processed(cfg.baseline) / "manifest.json").is_file():
        log.info("baseline %s not ingested yet: ingesting it now", cfg.baseline)
        ingest_round(cfg.baseline, paths=paths)
    return base_cfg, _round_data(base_cfg, paths)


# --------------------------------------------------------------------------- the round


@dataclass(frozen=True)
class RoundTables:
    """Every table of a round, in memory (national tables and per-CPP bundles)."""

    national: dict[str, pd.DataFrame]
    bundles: dict[str, dict[str, pd.DataFrame]]
    summaries: dict[str, dict[str, Any]]


def compute_round_tables(
    cur: roundstats.RoundData,
    s: roundstats.Settings,
    *,
    base: roundstats.RoundData | None = None,
    base_settings: roundstats.Settings | None = None,
    meta: dict[str, Any] | None = None,
    cpp_names: dict[str, str] | None = None,
    redaction: Redaction | None = None,
    topic_settings: topics.TopicSettings | None = None,
) -> RoundTables:
    """All tables of a round from in-memory data (no files): the core of ``cpsa tables``."""
    pool = suppression.cpp_pooling(cur.n_by_cpp(), min_respondents=s.min_respondents_report)
    t: dict[str, pd.DataFrame] = {}
    t["cpp_items"] = roundstats.cpp_items(cur, pool, s)
    t["national_items"] = roundstats.national_items(cur, pool, s)
    t["cpp_themes"] = roundstats.cpp_themes(cur, pool, s)
    t["national_themes"] = roundstats.national_themes(cur, pool, s)
    if base is not None:
        bs = base_settings or s
        pool_b = suppression.cpp_pooling(base.n_by_cpp(), min_respondents=bs.min_respondents_report)
        t["cpp_change_items"], t["national_change_items"] = roundstats.change_items(
            cur, base, pool, pool_b, s
        )
        t["cpp_change_themes"], t["national_change_themes"] = roundstats.change_themes(
            cur, base, pool, pool_b, s
        )
    else:
        empty = _empty_change(cur, pool, s)
        for name, frame in empty.items():
            t[name] = frame
    t["participation"] = roundstats.participation(cur, pool, s)
    part = t["participation"]
    hidden = set(part.loc[part["suppressed"].astype(bool) & part["group"].ne("all"), "group"])
    t["partner_types"] = roundstats.partner_types(cur, pool, s, suppressed_types=hidden)
    t["variation_themes"] = roundstats.variation_themes(t["cpp_themes"], cur.themes, s)
    t["comment_counts"] = roundstats.comment_counts(cur, pool)
    t["dont_know"] = roundstats.dont_know(t["national_items"], t["cpp_items"], s)
    # the national overview's participation list and comment topics (h8)
    t["participation_cpps"] = roundstats.participation_cpps(cur, pool)
    t["comment_topics"] = roundstats.comment_topics(
        cur,
        pool,
        topic_settings or topics.TopicSettings(seed=s.seed),
        stop_names=tuple((cpp_names or {}).values()),
    )
    for name, frame in t.items():
        suppression.check_publishable(frame, name=name)

    bundles: dict[str, dict[str, pd.DataFrame]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    n_by_cpp = cur.n_by_cpp()
    comments = roundstats.cpp_comments(cur)
    if redaction is not None:  # h6-text (issue 16.14/16.15): names, other partnerships
        comments = {cpp: redaction.comments(frame, own=cpp) for cpp, frame in comments.items()}
    for cpp in cur.cpps:
        allowed = cpp in pool.reported
        decision = suppression.report_decision(
            n_by_cpp[cpp], min_respondents=s.min_respondents_report
        )
        b = {
            "items": t["cpp_items"][t["cpp_items"]["cpp"] == cpp],
            "themes": t["cpp_themes"][t["cpp_themes"]["cpp"] == cpp],
            "change_items": t["cpp_change_items"][t["cpp_change_items"]["cpp"] == cpp],
            "change_themes": t["cpp_change_themes"][t["cpp_change_themes"]["cpp"] == cpp],
            "comments": comments[cpp],
        }
        if not allowed:
            b = {k: v.iloc[0:0] for k, v in b.items()}  # headers only: no numbers, no text
        b = {k: v.reset_index(drop=True) for k, v in b.items()}
        for name, frame in b.items():
            suppression.check_publishable(frame, name=f"by_cpp/{cpp}/{name}")
        bundles[cpp] = b
        summaries[cpp] = _summary(cur, s, cpp, decision, b, pool, base, meta, cpp_names)
    return RoundTables(national=t, bundles=bundles, summaries=summaries)


def _empty_change(cur, pool, s) -> dict[str, pd.DataFrame]:
    """Change tables with their columns but no rows, for a round without a baseline."""
    fake = cur
    ci, ni = roundstats.change_items(fake, fake, pool, pool, s)
    ct, nt = roundstats.change_themes(
        fake,
        fake,
        pool,
        pool,
        roundstats.Settings(seed=s.seed, permutations=1, q_threshold=s.q_threshold),
    )
    return {
        "cpp_change_items": ci.iloc[0:0],
        "national_change_items": ni.iloc[0:0],
        "cpp_change_themes": ct.iloc[0:0],
        "national_change_themes": nt.iloc[0:0],
    }


def _summary(cur, s, cpp, decision, bundle, pool, base, meta, cpp_names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "round": cur.round,
        "cpp": cpp,
        "name": (cpp_names or {}).get(cpp, cpp),
        "report_allowed": decision.allowed and cpp in pool.reported,
        "reason": decision.reason,
        "in_pooled_figures": cpp in pool.pooled,
        "thresholds": {
            "min_respondents_report": s.min_respondents_report,
            "min_group_cpp": s.min_group_cpp,
            "min_group_national": s.min_group_national,
            "q_threshold": s.q_threshold,
            "permutations": s.permutations,
            "confidence": s.confidence,
            "min_reported_cpps": s.min_reported_cpps,
            "min_valid_statement": s.min_valid_statement,
        },
        **(meta or {}),
    }
    if not out["report_allowed"]:
        return out
    n = cur.n_by_cpp()[cpp]
    invited = cur.members_invited.get(cpp)
    items = bundle["items"]
    cats = items["category"].value_counts()
    out.update(
        {
            "n_respondents": n,
            "members_invited": invited,
            "response_rate": round(100 * n / invited, FLOAT_DECIMALS) if invited else None,
            "n_statements": len(items),
            "n_rest_cpps": len([c for c in pool.pooled if c != cpp]),
            "n_rest_respondents": int(sum(cur.n_by_cpp()[c] for c in pool.pooled if c != cpp)),
            "n_strengths": int(cats.get("strength", 0)),
            "n_improvements": int(cats.get("improvement", 0)),
            "n_information_gaps": int(cats.get("information_gap", 0)),
            "n_polarised": int(items["polarised"].fillna(False).astype(bool).sum()),
            "rest_comparison": roundstats.rest_comparison_allowed(pool, s),
            "n_significantly_higher": int((items["significance"] == "higher").sum()),
            "n_significantly_lower": int((items["significance"] == "lower").sum()),
            "n_comments": len(bundle["comments"]),
            "has_change": len(bundle["change_items"]) > 0
            and not bundle["change_items"]["suppressed"].astype(bool).all(),
            "baseline": base.round if base is not None else None,
        }
    )
    return {k: _json_value(v) for k, v in out.items()}


def check_round_tables(result: RoundTables) -> None:
    """Every table and summary against :mod:`cpsa.tables.schema` (:class:`SchemaError` if not)."""
    for name in NATIONAL_FILES:
        schema.check_frame(result.national[name], name)
    for bundle in result.bundles.values():
        for name in BUNDLE_FILES:
            schema.check_frame(bundle[name], f"by_cpp/{name}")
    for summary in result.summaries.values():
        schema.check_summary(summary)


def write_round_tables(
    round_: str, *, out_dir: Path | None = None, paths: Paths | None = None
) -> TablesResult:
    """Compute and write every table of ``round_`` into ``outputs/<round>/tables`` (or out_dir)."""
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    cur = _round_data(cfg, paths)
    baseline = _baseline(cfg, paths)
    base_cfg, base = baseline if baseline else (None, None)
    s = _settings(cfg)
    try:
        names = dict(zip(*[load_reference(paths).cpps[c] for c in ("slug", "name")], strict=True))
    except FileNotFoundError:
        names = {}
    meta = {
        "synthetic": cfg.synthetic,
        "title": cfg.title,
        "year": cfg.year,
        "seed": cfg.seed,
        "codebook": cfg.codebook,
    }
    result = compute_round_tables(
        cur,
        s,
        base=base,
        base_settings=_settings(base_cfg) if base_cfg else None,
        meta=meta,
        cpp_names=names,
        redaction=Redaction.for_round(cfg, paths),  # h6-text (issue 16.14/16.15)
        topic_settings=topic_settings(cfg, paths),
    )
    benchmark.add_to_bundles(result, cfg, cur.themes)  # where the board stands among boards
    check_round_tables(result)  # nothing is written unless every table matches the schema
    out = Path(out_dir) if out_dir is not None else paths.tables(round_)
    written: list[Path] = []
    same: list[Path] = []
    for name in NATIONAL_FILES:
        _write_if_changed(out / f"{name}.csv", to_csv_bytes(result.national[name]), written, same)
    for cpp in cur.cpps:
        folder = out / "by_cpp" / cpp
        for name in BUNDLE_FILES:
            data = to_csv_bytes(result.bundles[cpp][name])
            _write_if_changed(folder / f"{name}.csv", data, written, same)
        text = json.dumps(result.summaries[cpp], indent=2, sort_keys=True) + "\n"
        _write_if_changed(folder / "summary.json", text.encode("utf-8"), written, same)
    # a CPP that left the round must not keep a stale bundle
    by_cpp = out / "by_cpp"
    stale = [p for p in by_cpp.iterdir() if p.is_dir()] if by_cpp.is_dir() else []
    for old in sorted(p for p in stale if p.name not in cur.cpps):
        shutil.rmtree(old)
    pool = suppression.cpp_pooling(cur.n_by_cpp(), min_respondents=s.min_respondents_report)
    log.info(
        "tables %s: %d CPPs (%d with reports); %d files written, %d unchanged -> %s",
        round_,
        len(cur.cpps),
        len(pool.reported),
        len(written),
        len(same),
        out,
    )
    return TablesResult(round_, out, tuple(written), tuple(same), len(cur.cpps), len(pool.reported))
