"""Read the precomputed tables a report presents, and check they are complete.

A CPP report reads only ``outputs/<round>/tables/by_cpp/<slug>/`` (nothing
about other CPPs can reach it); the national overview reads the national and
anonymised tables in ``outputs/<round>/tables/``. Columns are those of
docs/architecture.md and docs/methodology.md; where a convenience column is
absent it is derived here from the published counts, never recomputed from
raw data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cpsa.config import ConfigError, Paths, get_paths

ITEM_COLUMNS = ("item", "n_valid", "n_positive", "n_dont_know", "pct_positive", "suppressed")
THEME_COLUMNS = ("theme",)


def _read_csv(path: Path, *, required: tuple[str, ...] = (), optional: bool = False):
    if not path.is_file():
        if optional:
            return None
        raise ConfigError(
            f"missing table {path}; run `cpsa tables --round <round>` (or `make tables`) first"
        )
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ConfigError(
            f"{path} lacks column(s) {missing}; it was written by an older cpsa: "
            "re-run `cpsa tables`"
        )
    if "suppressed" in df.columns:
        df["suppressed"] = df["suppressed"].fillna(False).astype(str).str.lower() == "true"
    return df


def resolve_dir(tables_dir: str | Path, paths: Paths | None = None) -> Path:
    """A notebook's ``tables_dir`` parameter (project-relative) as a checked path."""
    paths = paths or get_paths()
    full = paths.resolve(tables_dir)
    if not full.is_dir():
        raise ConfigError(
            f"tables folder {tables_dir} does not exist under {paths.root}; "
            "run `cpsa tables --round <round>` first"
        )
    return full


def with_significance(df: pd.DataFrame, *, q_threshold: float) -> pd.DataFrame:
    """Add ``direction`` ('higher'/'lower'/'') if the table lacks it.

    The rule is the one every report uses: q below the round's threshold, in
    the direction of the difference.
    """
    out = df.copy()
    if "direction" not in out.columns and "significance" in out.columns:
        # cpsa.stats.significance writes higher/lower/similar/"": only the first two are findings
        sig = out["significance"].fillna("").astype(str)
        out["direction"] = sig.where(sig.isin(["higher", "lower"]), "")
        return out
    if "direction" in out.columns:
        out["direction"] = out["direction"].fillna("").astype(str)
        return out
    diff = out["diff"] if "diff" in out.columns else pd.Series(float("nan"), index=out.index)
    q = out["q_value"] if "q_value" in out.columns else pd.Series(float("nan"), index=out.index)
    sig = q < q_threshold
    out["direction"] = [
        ("higher" if d > 0 else "lower") if s and d == d and d != 0 else ""
        for s, d in zip(sig, diff, strict=True)
    ]
    return out


# cpsa.tables.write names -> the names this package uses (one meaning, one name)
_ALIASES = {
    "diff_pp": "diff",
    "score_base": "baseline_pct_positive",
    "pct_positive_base": "baseline_pct_positive",
    "others_score": "rest_pct_positive",
}


def _aliased(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for src, dst in _ALIASES.items():
        if src in out.columns and dst not in out.columns:
            out[dst] = out[src]
    return out


def _rest_pct(df: pd.DataFrame) -> pd.DataFrame:
    out = _aliased(df)
    if "rest_pct_positive" not in out.columns and {"rest_n_positive", "rest_n_valid"} <= set(
        out.columns
    ):
        out["rest_pct_positive"] = (
            100 * out["rest_n_positive"] / out["rest_n_valid"].where(out["rest_n_valid"] > 0)
        )
    if "diff" not in out.columns and {"pct_positive", "rest_pct_positive"} <= set(out.columns):
        out["diff"] = out["pct_positive"] - out["rest_pct_positive"]
    return out


@dataclass(frozen=True)
class CppBundle:
    """Everything one CPP report may show (and nothing about any other CPP)."""

    cpp: str
    summary: dict[str, Any]
    items: pd.DataFrame
    themes: pd.DataFrame
    change_items: pd.DataFrame | None
    change_themes: pd.DataFrame | None
    comments: pd.DataFrame

    @property
    def reportable(self) -> bool:
        s = self.summary
        if "report_allowed" in s:
            return bool(s["report_allowed"])
        if "reportable" in s:
            return bool(s["reportable"])
        if "below_minimum" in s:
            return not bool(s["below_minimum"])
        return True


def load_cpp_bundle(directory: Path, *, cpp: str, q_threshold: float) -> CppBundle:
    """Read ``by_cpp/<slug>/`` and derive the convenience columns the report needs."""
    summary_file = directory / "summary.json"
    if not summary_file.is_file():
        raise ConfigError(f"missing {summary_file}; run `cpsa tables --round <round>` first")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    if summary.get("cpp", cpp) != cpp:
        raise ConfigError(
            f"{summary_file} is for CPP {summary.get('cpp')!r}, not {cpp!r}: "
            "the notebook's tables_dir and cpp parameters disagree"
        )
    empty = pd.DataFrame()
    items = _read_csv(directory / "items.csv", optional=True)
    themes = _read_csv(directory / "themes.csv", optional=True)
    reportable = CppBundle(cpp, summary, empty, empty, None, None, empty).reportable
    if reportable:
        if items is None or themes is None:
            raise ConfigError(f"{directory} lacks items.csv or themes.csv; re-run `cpsa tables`")
        items = _read_csv(directory / "items.csv", required=ITEM_COLUMNS)
        items = with_significance(_rest_pct(items), q_threshold=q_threshold)
        themes = with_significance(_rest_pct(_score_as_pct(themes)), q_threshold=q_threshold)
    change_items = _read_csv(directory / "change_items.csv", optional=True)
    change_themes = _read_csv(directory / "change_themes.csv", optional=True)
    if change_items is not None:
        change_items = with_significance(_change_diff(change_items), q_threshold=q_threshold)
    if change_themes is not None:
        change_themes = with_significance(
            _change_diff(_score_as_pct(change_themes)), q_threshold=q_threshold
        )
    comments = _read_csv(directory / "comments.csv", optional=True)
    return CppBundle(
        cpp=cpp,
        summary=summary,
        items=items if items is not None and reportable else empty,
        themes=themes if themes is not None and reportable else empty,
        change_items=change_items if reportable else None,
        change_themes=change_themes if reportable else None,
        comments=comments if comments is not None and reportable else empty,
    )


def _score_as_pct(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """Theme tables call their main figure ``score`` (a percentage); alias it."""
    if df is None:
        return None
    out = _aliased(df)
    if "pct_positive" not in out.columns and "score" in out.columns:
        out["pct_positive"] = out["score"]
    if "rest_pct_positive" not in out.columns and "rest_score" in out.columns:
        out["rest_pct_positive"] = out["rest_score"]
    return out


def _change_diff(df: pd.DataFrame) -> pd.DataFrame:
    out = _aliased(df)
    if "diff" not in out.columns:
        for name in ("change", "difference"):
            if name in out.columns:
                out["diff"] = out[name]
                break
    return out


@dataclass(frozen=True)
class NationalTables:
    """The national and anonymised tables of a round (CPP slugs only where anonymised use)."""

    directory: Path
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.frames.get(name)


NATIONAL_FILES = (
    "national_items",
    "national_themes",
    "cpp_themes",
    "cpp_items",
    "national_change_items",
    "national_change_themes",
    "cpp_change_themes",
    "partner_types",
    "variation_themes",
    "participation",
    "comment_counts",
    "dont_know",
    "comment_topics",
    "participation_cpps",
)


def load_national(directory: Path, *, q_threshold: float) -> NationalTables:
    """Read every national table that exists; sections say so when one is missing."""
    frames: dict[str, pd.DataFrame] = {}
    for name in NATIONAL_FILES:
        df = _read_csv(directory / f"{name}.csv", optional=True)
        if df is None:
            continue
        df = _score_as_pct(df)
        if "change" in name:
            df = _change_diff(df)
        if name in ("cpp_themes", "cpp_items"):
            df = _rest_pct(df)
        if "q_value" in df.columns or "direction" in df.columns:
            df = with_significance(df, q_threshold=q_threshold)
        frames[name] = df
    if "national_items" not in frames:
        raise ConfigError(
            f"{directory} has no national_items.csv; run `cpsa tables --round <round>` first"
        )
    return NationalTables(directory=directory, frames=frames)
