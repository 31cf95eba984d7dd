"""Confidence intervals used in the reports: Wilson, Newcombe and Student t.

All functions are vectorised over numpy arrays (or pandas Series) so a whole
table is computed in one call. Proportions are on the 0-1 scale; callers
multiply by 100 for percentages. Undefined intervals (no valid answers, or one
respondent for a t interval) are NaN rather than an error, so tables can show
them as blank. See docs/methodology.md for why these intervals were chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """Lower and upper bounds, each an array with one value per estimate."""

    low: np.ndarray
    high: np.ndarray


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(k, n, *, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion k/n (0-1 scale); NaN where n == 0.

    Chosen over the Wald interval because boards are small (about 10 members) and
    proportions are often 0 or 1, where Wald collapses to a zero-width interval.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson: every count must satisfy 0 <= k <= n")
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # at k == 0 or k == n the exact bound is 0 or 1; rounding error must not move it
    low = np.where((n > 0) & (k == 0), 0.0, low)
    high = np.where((n > 0) & (k == n), 1.0, high)
    return Interval(low=low, high=high)


def newcombe_difference(k1, n1, k2, n2, *, confidence: float = 0.95) -> Interval:
    """Newcombe's hybrid score interval (method 10, 1998) for p1 - p2, independent samples.

    Built from the two Wilson intervals, so it inherits their good behaviour at
    small n and at 0% / 100%, unlike the Wald interval for a difference.
    """
    p1 = np.asarray(k1, dtype=float) / np.where(np.asarray(n1) > 0, n1, np.nan)
    p2 = np.asarray(k2, dtype=float) / np.where(np.asarray(n2) > 0, n2, np.nan)
    w1 = wilson(k1, n1, confidence=confidence)
    w2 = wilson(k2, n2, confidence=confidence)
    d = p1 - p2
    low = d - np.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = d + np.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    return Interval(low=low, high=high)


def t_mean(mean, sd, n, *, confidence: float = 0.95, bounds=(0.0, 1.0)) -> Interval:
    """Student t interval for a mean from its sample sd and size; NaN where n < 2.

    The interval is clipped to ``bounds`` (theme scores live in [0, 1]) because a
    symmetric t interval can spill past the scale with small, skewed samples.
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        tcrit = stats.t.ppf(0.5 + confidence / 2, df)
        half = tcrit * sd / np.sqrt(n)
    low = np.clip(mean - half, *bounds)
    high = np.clip(mean + half, *bounds)
    return Interval(low=low, high=high)


def welch_difference(m1, s1, n1, m2, s2, n2, *, confidence: float = 0.95) -> Interval:
    """Welch-Satterthwaite t interval for mean1 - mean2 (unequal variances); NaN if n < 2."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(v, dtype=float) for v in (m1, s1, n1, m2, s2, n2))
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        # no spread in either sample: the interval is the point itself
        df = np.where(se == 0, np.inf, df)
        valid = (n1 >= 2) & (n2 >= 2)
        tcrit = stats.t.ppf(0.5 + confidence / 2, np.where(valid, df, np.nan))
        half = tcrit * se
    d = m1 - m2
    return Interval(low=d - half, high=d + half)
