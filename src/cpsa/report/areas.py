"""Which statements a CPP report names as strengths, areas for improvement and information gaps.

The tables classify each statement (``category`` and ``category_rank`` of
``items.csv``, computed by :func:`cpsa.stats.classify.classify_items`; the rule
is in docs/methodology.md). This module only reads that classification, so the
summary, the improvement-planning table and the spreadsheet agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpsa.data.codebook import Codebook
from cpsa.report import text as t
from cpsa.report import verdicts as v

KINDS = ("strength", "improvement", "information_gap")


@dataclass(frozen=True)
class Area:
    """One statement named as a strength, an area for improvement or an information gap."""

    item: str
    theme: str
    theme_title: str
    statement: str
    pct_positive: float | None
    pct_dont_know: float | None
    direction: str  # vs rest of Scotland: 'higher', 'lower' or ''
    reason: str  # plain-English reason it was selected


def _direction(r: pd.Series) -> str:
    """'higher'/'lower' only when the verdict and its difference interval agree."""
    words = t.significance(
        r["significance"], versus=None, low=r["diff_ci_low"], high=r["diff_ci_high"]
    )
    return words.removeprefix("Significantly ") if words.startswith("Significantly") else ""


def _positive(r: pd.Series) -> str:
    """ "7 of 8 positive" under 10 valid answers, else "72% positive"."""
    return f"{v.share(r['n_positive'], r['n_valid'])} positive"


def _reason(r: pd.Series, kind: str) -> str:
    if kind == "information_gap":
        n_answered = int(r["n_valid"]) + int(r["n_dont_know"])
        return (
            f"{v.share(r['n_dont_know'], n_answered)} of members said they don't know; "
            f"{_positive(r)}"
        )
    bits = [_positive(r)]
    c = r.get("certainty")
    if not t.missing(c) and float(c) >= 0.8:
        sure = "very likely" if float(c) >= 0.95 else "likely"
        bits.append(
            f"{sure} below 60% given the answers"
            if kind == "improvement"
            else f"{sure} at least 75% given the answers"
        )
    direction = _direction(r)
    if direction:
        span = v.interval(r["diff_ci_low"], r["diff_ci_high"], signed=True)
        bits.append(
            f"significantly {direction} than the rest of Scotland "
            f"({t.points(r['diff_pp'])}, {span})"
        )
    return "; ".join(bits)


def select(items: pd.DataFrame, codebook: Codebook, kind: str) -> tuple[Area, ...]:
    """The statements of one category, most notable first (``category_rank``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    chosen = items[items["category"] == kind]
    order = {s.id: i for i, s in enumerate(codebook.statements)}
    # most notable first (the tables' rank), ties in codebook order
    keys = (chosen["item"].map(order).to_numpy(), chosen["category_rank"].to_numpy(dtype=float))
    chosen = chosen.iloc[np.lexsort(keys)]
    out = []
    for _, r in chosen.iterrows():
        st = codebook.statement(r["item"])
        out.append(
            Area(
                item=str(r["item"]),
                theme=st.theme,
                theme_title=codebook.theme(st.theme).title,
                statement=st.text,
                pct_positive=None if t.missing(r["pct_positive"]) else float(r["pct_positive"]),
                pct_dont_know=None if t.missing(r["pct_dont_know"]) else float(r["pct_dont_know"]),
                direction=_direction(r),
                reason=_reason(r, kind),
            )
        )
    return tuple(out)


def planning_areas(items: pd.DataFrame, codebook: Codebook) -> tuple[Area, ...]:
    """The rows of the improvement plan: areas for improvement, then information gaps."""
    return select(items, codebook, "improvement") + select(items, codebook, "information_gap")
