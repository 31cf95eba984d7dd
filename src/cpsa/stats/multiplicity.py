"""Benjamini-Hochberg false discovery rate adjustment.

A CPP report shows about 45 statement comparisons at once; without adjustment
about two would look "significant" by chance alone. q-values from
:func:`bh_adjust` control the expected share of false discoveries among the
findings called significant. Missing p-values (tests that could not be run)
are left missing and do not count towards the number of tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def bh_adjust(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), NaN-preserving, order-preserving.

    q_(i) = min over j >= i of (m / j) * p_(j), capped at 1, where p_(1) <= ... <= p_(m)
    are the m non-missing p-values.
    """
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("bh_adjust: p-values must lie in [0, 1]")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p[ok]
    # stable sort so tied p-values get identical q regardless of input order
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[ok] = out
    return q


def bh_by_group(df: pd.DataFrame, *, p_col: str = "p_value", by: list[str] | str) -> pd.Series:
    """BH q-values computed separately within each group of ``by`` (a family of tests)."""
    if df.empty:
        return pd.Series(np.nan, index=df.index, dtype=float)
    by = [by] if isinstance(by, str) else list(by)
    return df.groupby(by, sort=False, dropna=False)[p_col].transform(
        lambda s: pd.Series(bh_adjust(s.to_numpy()), index=s.index)
    )
