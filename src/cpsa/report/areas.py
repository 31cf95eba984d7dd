"""Which statements a CPP report names as strengths and as areas for improvement.

The analysis tables classify each statement (docs/methodology.md gives the
rule); this module only reads that classification so the summary, the theme
sections, the improvement-planning table and the spreadsheet agree. If an
older table has no classification column, the fallback rule below is used and
the report says which rule it applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpsa.data.codebook import Codebook

# Fallback rule (only when the tables carry no classification), mirroring
# cpsa.stats.classify: at least 25% Don't know is an information gap; below 60%
# positive or significantly below the rest of Scotland is an area for
# improvement; at least 75% positive and not significantly lower is a strength.
STRENGTH_MIN_PCT = 75.0
IMPROVE_MAX_PCT = 60.0
IMPROVE_DK_PCT = 25.0

_CLASS_COLUMNS = ("area", "classification", "category")
KINDS = ("strength", "improvement", "information_gap")


@dataclass(frozen=True)
class Area:
    """One statement named as a strength or an area for improvement."""

    item: str
    theme: str
    theme_title: str
    statement: str
    pct_positive: float | None
    pct_dont_know: float | None
    direction: str  # vs rest of Scotland: 'higher', 'lower' or ''
    reason: str  # plain-English reason it was selected


def _classify(items: pd.DataFrame) -> pd.Series:
    for col in _CLASS_COLUMNS:
        if col in items.columns:
            v = items[col].fillna("").astype(str).str.lower()
            # the analysis' categories, in the names this module uses
            names = {"strength": "strength", "improvement": "improvement"}
            names["information_gap"] = "information_gap"
            return v.map(names).fillna("")
    if {"is_strength", "is_improvement"} <= set(items.columns):
        return pd.Series(
            [
                "improvement" if bool(i) else ("strength" if bool(s) else "")
                for s, i in zip(items["is_strength"], items["is_improvement"], strict=True)
            ],
            index=items.index,
        )
    out = []
    for _, r in items.iterrows():
        if r.get("suppressed", False) or pd.isna(r.get("pct_positive")):
            out.append("")
            continue
        pct, dk = float(r["pct_positive"]), r.get("pct_dont_know")
        lower = r.get("direction", "") == "lower"
        if pd.notna(dk) and float(dk) >= IMPROVE_DK_PCT:
            out.append("information_gap")
        elif pct < IMPROVE_MAX_PCT or lower:
            out.append("improvement")
        elif pct >= STRENGTH_MIN_PCT:
            out.append("strength")
        else:
            out.append("")
    return pd.Series(out, index=items.index, dtype=object)


def uses_fallback_rule(items: pd.DataFrame) -> bool:
    return not (
        any(c in items.columns for c in _CLASS_COLUMNS)
        or {"is_strength", "is_improvement"} <= set(items.columns)
    )


def _reason(r: pd.Series, kind: str) -> str:
    from cpsa.report.text import pct

    bits = [f"{pct(r.get('pct_positive'))} positive"]
    if r.get("direction") == "lower":
        bits.append("significantly lower than the rest of Scotland")
    elif r.get("direction") == "higher":
        bits.append("significantly higher than the rest of Scotland")
    dk = r.get("pct_dont_know")
    if kind == "information_gap":
        return f"{pct(dk)} of members said they don't know; {pct(r.get('pct_positive'))} positive"
    if kind == "improvement" and pd.notna(dk) and float(dk) >= IMPROVE_DK_PCT:
        bits.append(f"{pct(dk)} said they don't know")
    return "; ".join(bits)


def select(items: pd.DataFrame, codebook: Codebook, kind: str) -> tuple[Area, ...]:
    """Strengths (``kind='strength'``) or areas for improvement, in codebook order."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if items.empty:
        return ()
    cls = _classify(items)
    order = {s.id: i for i, s in enumerate(codebook.statements)}
    chosen = items[cls == kind]
    # the analysis ranks each category (most notable first); else codebook order
    rank = chosen["category_rank"] if "category_rank" in chosen.columns else 0
    chosen = chosen.assign(_r=rank, _o=chosen["item"].map(order))
    chosen = chosen.sort_values(["_r", "_o", "item"])
    out = []
    for _, r in chosen.iterrows():
        st = codebook.statement(r["item"])
        out.append(
            Area(
                item=str(r["item"]),
                theme=st.theme,
                theme_title=codebook.theme(st.theme).title,
                statement=st.text,
                pct_positive=None if pd.isna(r.get("pct_positive")) else float(r["pct_positive"]),
                pct_dont_know=None
                if pd.isna(r.get("pct_dont_know", float("nan")))
                else float(r["pct_dont_know"]),
                direction=str(r.get("direction", "") or ""),
                reason=_reason(r, kind),
            )
        )
    return tuple(out)


def planning_areas(items: pd.DataFrame, codebook: Codebook) -> tuple[Area, ...]:
    """The rows of the improvement plan: areas for improvement, then information gaps."""
    return select(items, codebook, "improvement") + select(items, codebook, "information_gap")
