"""Strengths, areas for improvement and information gaps: ranked by evidence.

A board of ten gives a noisy % positive: a statement that is truly 70% positive
shows 80% or more in 38% of boards. Categories therefore rest on how sure we are
of the **underlying** share of members who agree (the estimand, see
docs/methodology.md section 6), not on the observed percentage alone.

Certainty is the posterior probability under Jeffreys' prior, Beta(k + 1/2,
n - k + 1/2) for k positive of n valid answers (the prior behind the Jeffreys
interval, Brown, Cai & DasGupta 2001):

* ``p_above_75`` = P(true share >= 75% | answers)
* ``p_below_60`` = P(true share < 60% | answers)

For each statement of a CPP, in this order (the first that applies wins):

1. ``suppressed`` - the row is withheld; no category.
2. ``information_gap`` - Don't know is at least 25% of answers: many members
   cannot judge the statement, which is itself a finding for the board.
3. ``insufficient`` - fewer than ``min_valid`` valid answers: too few to judge.
4. ``improvement`` - ``p_below_60 >= CERTAIN`` (0.8), or significantly lower than
   the rest of Scotland (the rule of :func:`cpsa.stats.significance.direction`).
5. ``strength`` - ``p_above_75 >= CERTAIN`` and not significantly lower.
6. ``neither``.

``certainty`` is ``p_above_75`` for a strength and ``p_below_60`` for an area for
improvement (empty otherwise). Within a category, statements are ranked by
evidence: strengths by certainty (high first), then % positive, then item id;
improvements significantly-lower first, then certainty, then % positive (low
first), then item id; information gaps by % Don't know (high first), then item id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cpsa.stats.significance import LOWER

STRENGTH_MIN_PCT = 75.0
IMPROVEMENT_BELOW_PCT = 60.0
INFORMATION_GAP_DK_PCT = 25.0
# posterior probability needed to call a statement a strength / area for improvement
CERTAIN = 0.8

CATEGORIES = ("strength", "improvement", "information_gap", "neither", "insufficient", "suppressed")


def posterior_above(k, n, threshold: float) -> np.ndarray:
    """P(true share >= threshold) under Jeffreys' prior; NaN where n == 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        out = stats.beta.sf(threshold, k + 0.5, n - k + 0.5)
    return np.where(n > 0, out, np.nan)


def classify_items(items: pd.DataFrame, *, min_valid: int) -> pd.DataFrame:
    """Add ``p_above_75``, ``p_below_60``, ``category``, ``certainty`` and ``category_rank``.

    Needs columns: cpp, item, n_positive, n_valid, pct_positive, pct_dont_know,
    significance (higher/lower/similar/""), suppressed.
    """
    needed = {"cpp", "item", "pct_positive", "pct_dont_know", "n_valid", "n_positive"}
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
    npos = out["n_positive"].astype(float).fillna(0)
    above = posterior_above(npos, nvalid, STRENGTH_MIN_PCT / 100)
    below = 1 - posterior_above(npos, nvalid, IMPROVEMENT_BELOW_PCT / 100)
    out["p_above_75"] = above
    out["p_below_60"] = below
    cat = np.select(
        [
            sup,
            dk >= INFORMATION_GAP_DK_PCT,
            nvalid < min_valid,
            (below >= CERTAIN) | lower,
            (above >= CERTAIN) & ~lower,
        ],
        ["suppressed", "information_gap", "insufficient", "improvement", "strength"],
        default="neither",
    )
    out["category"] = cat
    is_s, is_i = out["category"].eq("strength"), out["category"].eq("improvement")
    out["certainty"] = np.where(is_s, above, np.where(is_i, below, np.nan))
    key = pd.DataFrame(
        {
            "cpp": out["cpp"],
            "category": out["category"],
            "k1": np.select(
                [is_s, is_i], [-above, np.where(lower, 0.0, 1.0)],
                default=np.where(out["category"].eq("information_gap"), -dk, 0.0),
            ),
            "k2": np.select([is_s, is_i], [-pct, -below], default=0.0),
            "k3": np.where(is_i, pct, 0.0),
            "item": out["item"],
        },
        index=out.index,
    ).fillna({"k1": np.inf, "k2": np.inf, "k3": np.inf})  # fmt: skip
    key = key.sort_values(["cpp", "category", "k1", "k2", "k3", "item"], kind="mergesort")
    rank = key.groupby(["cpp", "category"], sort=False).cumcount() + 1
    out["category_rank"] = rank.reindex(out.index).astype("int64")
    return out
