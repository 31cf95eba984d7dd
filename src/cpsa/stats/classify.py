"""Strengths, areas for improvement and information gaps: one deterministic rule.

For each statement of a CPP, in this order (the first that applies wins):

1. ``suppressed`` - the row is withheld; no category.
2. ``information_gap`` - Don't know is at least 25% of answers: many members
   cannot judge the statement, which is itself a finding for the board.
3. ``insufficient`` - fewer than ``min_valid`` valid answers: too few to judge.
4. ``improvement`` - % positive below 60, or significantly lower than the rest
   of Scotland (the rule of :func:`cpsa.stats.significance.direction`).
5. ``strength`` - % positive at least 75 and not significantly lower.
6. ``neither``.

Within a category, statements are ranked deterministically: strengths by %
positive (high first), then the lower bound of the interval, then item id;
improvements significantly-lower first, then % positive (low first), then the
upper bound, then item id; information gaps by % Don't know (high first), then
item id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpsa.stats.significance import LOWER

STRENGTH_MIN_PCT = 75.0
IMPROVEMENT_BELOW_PCT = 60.0
INFORMATION_GAP_DK_PCT = 25.0

CATEGORIES = ("strength", "improvement", "information_gap", "neither", "insufficient", "suppressed")


def classify_items(items: pd.DataFrame, *, min_valid: int) -> pd.DataFrame:
    """Add ``category`` and ``category_rank`` (1 = most notable) to one or more CPPs' items.

    Needs columns: cpp, item, pct_positive, pct_dont_know, n_valid, ci_low, ci_high,
    significance (higher/lower/similar/""), suppressed.
    """
    needed = {"cpp", "item", "pct_positive", "pct_dont_know", "n_valid", "ci_low", "ci_high"}
    needed |= {"significance", "suppressed"}
    missing = sorted(needed - set(items.columns))
    if missing:
        raise ValueError(f"classify_items: missing column(s) {missing}")
    out = items.copy()
    pct = out["pct_positive"].astype(float)
    dk = out["pct_dont_know"].astype(float)
    lower = out["significance"].astype(object).eq(LOWER)
    sup = out["suppressed"].astype(bool)
    nvalid = out["n_valid"].astype(float).fillna(0)
    cat = np.select(
        [
            sup,
            dk >= INFORMATION_GAP_DK_PCT,
            nvalid < min_valid,
            (pct < IMPROVEMENT_BELOW_PCT) | lower,
            (pct >= STRENGTH_MIN_PCT) & ~lower,
        ],
        ["suppressed", "information_gap", "insufficient", "improvement", "strength"],
        default="neither",
    )
    out["category"] = cat
    key = pd.DataFrame(
        {
            "cpp": out["cpp"],
            "category": out["category"],
            "k1": np.select(
                [out["category"].eq("strength"), out["category"].eq("improvement")],
                [-pct, np.where(lower, 0.0, 1.0)],
                default=np.where(out["category"].eq("information_gap"), -dk, 0.0),
            ),
            "k2": np.select(
                [out["category"].eq("strength"), out["category"].eq("improvement")],
                [-out["ci_low"].astype(float), pct],
                default=0.0,
            ),
            "k3": np.where(out["category"].eq("improvement"), out["ci_high"].astype(float), 0.0),
            "item": out["item"],
        },
        index=out.index,
    ).fillna({"k1": np.inf, "k2": np.inf, "k3": np.inf})
    key = key.sort_values(["cpp", "category", "k1", "k2", "k3", "item"], kind="mergesort")
    rank = key.groupby(["cpp", "category"], sort=False).cumcount() + 1
    out["category_rank"] = rank.reindex(out.index).astype("int64")
    return out
