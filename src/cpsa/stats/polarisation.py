"""Is a board genuinely polarised on a statement? Members at both ends of the scale.

The old "divided" flag (a third of members on the minority side of agree /
disagree) fired on a quarter of all statements, mostly because small boards are
noisy. This test asks a sharper question: are there more members at **both**
ends of the scale (Strongly agree *and* Strongly disagree) than any board whose
members' views come from a single-peaked (unimodal) distribution could
plausibly give?

Statistic: ``T = min(n_strongly_agree, n_strongly_disagree)``, the number of
members at the less-populated end. Null hypothesis: the four answer
probabilities (p1 = Strongly disagree, ..., p4 = Strongly agree) are unimodal
(rise to one peak, then fall). The p-value is the largest probability of
``T >= t`` over **every** unimodal board of the same size n (a supremum p-value,
Berger & Boos 1994), so the test is valid whatever the board's true (unimodal)
view.

Computing the supremum. P(min(X1, X4) >= t) increases with p1 at fixed p4 (and
symmetrically), so the supremum is on the upper edge of the set of (p1, p4)
that a unimodal distribution allows. That edge is p1 = (1 - p4) / 3 for
p4 in [1/4, 1] (then p1 = p2 = p3 <= p4: a peak at Strongly agree), and its
mirror image, which gives the same probabilities. On that edge X1 given X4 = x4
is Binomial(n - x4, 1/3), so

    P(T >= t) = sum_{x4 >= t} Binom(x4; n, p4) * P(Binom(n - x4, 1/3) >= t),

maximised over p4 by three nested grids of 41 points.
Exact (no simulation) and cheap for any n.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import gammaln

# The ufunc behind ``stats.binom.sf`` (scipy 1.17: ``binom_gen._sf`` = ``_binom_sf(floor(k),
# n, p)``), called directly: the wrapper's argument checks cost more than the sum itself.
# Every call here is inside the support (0 <= k < n), where the two return the same float.
from scipy.special._ufuncs import _binom_sf

# p4 = 1 gives probability 0 (then p1 = 0), so the grid stops just short of it
_GRID = np.linspace(0.25, 1.0 - 1e-9, 41)
_LEVELS = 3


def _edge_probability(p4, weights: np.ndarray, x4: np.ndarray, lchoose: np.ndarray, n: int):
    """sum_x4 Binom(x4; n, p4) * weights[x4] for each p4 (log-space pmf, vectorised)."""
    p4 = np.atleast_1d(np.asarray(p4, dtype=float))[:, None]
    logpmf = lchoose[None, :] + x4[None, :] * np.log(p4) + (n - x4)[None, :] * np.log1p(-p4)
    return np.exp(logpmf) @ weights


@lru_cache(maxsize=64)
def _pmf_table(n: int) -> np.ndarray:
    """Binom(x4; n, p4) for x4 = 0..n and each p4 of the first grid, for a board of size n.

    Every t shares it: each element is computed by the same expression as in
    :func:`_edge_probability` (same operands, same order), once per board size.
    """
    grid = _GRID
    x4 = np.arange(0, n + 1, dtype=float)
    lchoose = gammaln(n + 1) - gammaln(x4 + 1) - gammaln(n - x4 + 1)
    p4 = grid[:, None]
    logpmf = lchoose[None, :] + x4[None, :] * np.log(p4) + (n - x4)[None, :] * np.log1p(-p4)
    table = np.exp(logpmf)
    table.flags.writeable = False
    return table


@lru_cache(maxsize=65536)
def polarisation_p_one(n: int, t: int) -> float:
    """sup over unimodal boards of size n of P(min(#SA, #SD) >= t)."""
    if n < 0 or t < 0:
        raise ValueError("polarisation_p_one: n and t must be non-negative")
    if t == 0:
        return 1.0
    if 2 * t > n:
        return 0.0
    x4 = np.arange(t, n - t + 1, dtype=float)
    weights = _binom_sf(np.floor(t - 1.0), n - x4, 1 / 3)
    # three nested grids (41 points each), each around the best point of the last:
    # the spacing ends at ~5e-5 in p4, and the maximum is flat there (error ~1e-9).
    # The first grid's pmf over x4 = t..n-t is a contiguous copy of columns of the board
    # size's table: the same numbers, laid out as _edge_probability would compute them.
    # Only the first grid is the same for every t, so only its table is shared.
    grid = _GRID
    best = 0.0
    lchoose = None
    for level in range(_LEVELS):
        if level == 0:
            values = np.ascontiguousarray(_pmf_table(n)[:, t : n - t + 1]) @ weights
        else:
            if lchoose is None:
                lchoose = gammaln(n + 1) - gammaln(x4 + 1) - gammaln(n - x4 + 1)
            values = _edge_probability(grid, weights, x4, lchoose, n)
        k = int(np.argmax(values))
        best = max(best, float(values[k]))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        grid = np.linspace(lo, hi, 41)
    return float(min(1.0, best))


def polarisation_p(n_strongly_agree, n_strongly_disagree, n_valid) -> np.ndarray:
    """Supremum p-value of the polarisation test per row; NaN where n_valid is 0 or missing."""
    sa, sd, n = np.broadcast_arrays(
        np.asarray(n_strongly_agree, dtype=float),
        np.asarray(n_strongly_disagree, dtype=float),
        np.asarray(n_valid, dtype=float),
    )
    out = np.full(n.shape, np.nan)
    flat = out.reshape(-1)
    for i, (a, d, m) in enumerate(zip(sa.reshape(-1), sd.reshape(-1), n.reshape(-1), strict=True)):
        if np.isfinite(m) and m > 0 and np.isfinite(a) and np.isfinite(d):
            flat[i] = polarisation_p_one(int(m), int(min(a, d)))
    return out
