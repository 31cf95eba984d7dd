"""National figures that respect that board members are grouped in CPPs (the cluster).

Members of one board share a partnership, so their answers are correlated
(within-CPP correlation of theme scores 0.04-0.18 in the demo round); intervals
and tests that treat ~1,000 members as independent are too narrow. Every
national interval and test here is **cluster-robust** with the CPP as the
cluster: the sandwich (CR1) variance of an ordinary least-squares estimate,
exactly as ``statsmodels`` computes it for
``OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cpp}, use_t=True)``
(Liang & Zeger 1986; Cameron & Miller 2015), with a t reference distribution on
G - 1 degrees of freedom (G = number of CPPs).

Everything is computed from per-cluster sums (n, sum of y, sum of y squared), so
a round of 32,000 respondents costs a few bincounts, and the binary case (%
positive) needs only the per-CPP counts already tabulated.

* :func:`cluster_mean` - mean of y with its cluster-robust standard error.
* :func:`cluster_difference` - difference of two group means (the OLS slope of a
  0/1 indicator), e.g. now vs baseline or a partner type vs all others.
* ``deff`` = cluster-robust variance / simple-random-sampling variance (Kish's
  design effect, estimated); 1 when members of a board are no more alike than
  members of different boards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class ClusterEstimate:
    """An estimate with its cluster-robust standard error, test and interval."""

    estimate: np.ndarray
    se: np.ndarray  # cluster-robust (CR1) standard error
    naive_se: np.ndarray  # the same estimate's standard error ignoring clusters
    df: np.ndarray  # G - 1
    n_clusters: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray  # two-sided, estimate = 0, t on df

    @property
    def deff(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.se / self.naive_se) ** 2


def _finish(est, se, naive, g, confidence: float) -> ClusterEstimate:
    est, se, naive, g = (np.asarray(v, dtype=float) for v in (est, se, naive, g))
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(g >= 2, g - 1, np.nan)
        tcrit = stats.t.ppf(0.5 + confidence / 2, df)
        t = np.where(se > 0, est / np.where(se > 0, se, 1.0), np.where(est == 0, 0.0, np.inf))
        p = 2 * stats.t.sf(np.abs(t), df)
    return ClusterEstimate(est, se, naive, df, g, est - tcrit * se, est + tcrit * se, p)


def cluster_mean(n, s, ss, *, confidence: float = 0.95) -> ClusterEstimate:
    """Mean of y over all clusters from per-cluster n, sum(y), sum(y^2) (1-D arrays).

    Variance: G/(G-1) * sum_g (s_g - n_g * mean)^2 / N^2 (statsmodels' CR1 with one
    regressor). Naive: sample variance / N.
    """
    n, s, ss = (np.asarray(v, dtype=float) for v in (n, s, ss))
    keep = n > 0
    n, s, ss = n[keep], s[keep], ss[keep]
    big_n, g = n.sum(), len(n)
    if big_n == 0:
        nan = np.array(np.nan)
        return _finish(nan, nan, nan, np.array(0.0), confidence)
    mean = s.sum() / big_n
    resid = s - n * mean
    with np.errstate(invalid="ignore", divide="ignore"):
        var = g / (g - 1) * (resid**2).sum() / big_n**2 if g > 1 else np.nan
        sd2 = max(ss.sum() - big_n * mean**2, 0.0) / (big_n - 1) if big_n > 1 else np.nan
    return _finish(mean, np.sqrt(var), np.sqrt(sd2 / big_n), np.array(float(g)), confidence)


def cluster_difference(n1, s1, ss1, n0, s0, ss0, *, confidence: float = 0.95) -> ClusterEstimate:
    """Mean of group 1 minus mean of group 0, clusters given by position (1-D arrays).

    ``n1[g], s1[g], ss1[g]``: count, sum and sum of squares of y for group 1 in
    cluster g (the same cluster may hold members of both groups: e.g. one CPP in
    both rounds). The estimate is the OLS slope of y on a 0/1 group indicator;
    its CR1 variance is (G/(G-1)) ((N-1)/(N-2)) sum_g (e1_g/N1 - e0_g/N0)^2 with
    e_jg = s_jg - n_jg * mean_j. Naive: the Welch (unpooled) variance.
    """
    n1, s1, ss1, n0, s0, ss0 = (np.asarray(v, dtype=float) for v in (n1, s1, ss1, n0, s0, ss0))
    keep = (n1 + n0) > 0
    n1, s1, ss1, n0, s0, ss0 = (v[keep] for v in (n1, s1, ss1, n0, s0, ss0))
    big1, big0, g = n1.sum(), n0.sum(), len(n1)
    if big1 == 0 or big0 == 0:
        nan = np.array(np.nan)
        return _finish(nan, nan, nan, np.array(float(g)), confidence)
    m1, m0 = s1.sum() / big1, s0.sum() / big0
    infl = (s1 - n1 * m1) / big1 - (s0 - n0 * m0) / big0
    big_n = big1 + big0
    with np.errstate(invalid="ignore", divide="ignore"):
        c = g / (g - 1) * (big_n - 1) / (big_n - 2) if g > 1 and big_n > 2 else np.nan
        var = c * (infl**2).sum()
        v1 = max(ss1.sum() - big1 * m1**2, 0.0) / (big1 - 1) if big1 > 1 else np.nan
        v0 = max(ss0.sum() - big0 * m0**2, 0.0) / (big0 - 1) if big0 > 1 else np.nan
        naive = np.sqrt(v1 / big1 + v0 / big0)
    return _finish(m1 - m0, np.sqrt(var), naive, np.array(float(g)), confidence)


def cluster_sums(y, cluster, *, clusters=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cluster n, sum(y), sum(y^2); ``clusters`` fixes the order (and includes empty ones)."""
    y = np.asarray(y, dtype=float)
    cluster = np.asarray(cluster)
    if clusters is None:
        clusters = np.unique(cluster)
    code = np.asarray(pd.Categorical(cluster, categories=clusters).codes, dtype=np.int64)
    if (code < 0).any():
        raise ValueError("cluster_sums: a value of cluster is not in clusters")
    k = len(clusters)
    return (
        np.bincount(code, minlength=k).astype(float),
        np.bincount(code, weights=y, minlength=k),
        np.bincount(code, weights=y**2, minlength=k),
    )


def effective_n(n, deff) -> np.ndarray:
    """Effective sample size n / deff (for a Wilson interval that respects clustering)."""
    n = np.asarray(n, dtype=float)
    deff = np.asarray(deff, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(deff) & (deff > 0), n / deff, n)


@dataclass(frozen=True)
class WaldResult:
    """Cluster-robust Wald F test that K group means are all equal."""

    f: float
    df_num: int
    df_denom: int
    p_value: float


def cluster_wald_equal_means(n, s) -> WaldResult:
    """Wald F test of equal means across K groups, clusters in rows (G x K arrays).

    ``n[g, k]``, ``s[g, k]``: count and sum of y for group k in cluster g. The model
    is OLS of y on K group dummies (coefficients = group means) with the CR1 sandwich
    (G/(G-1)) ((N-1)/(N-K)) D^-1 (sum_g e_g e_g') D^-1, D = diag(N_k),
    e_gk = s_gk - n_gk * mean_k; F = (R b)' (R V R')^-1 (R b) / (K-1) on (K-1, G-1)
    degrees of freedom, as statsmodels' ``f_test`` after a cluster fit.
    """
    n = np.asarray(n, dtype=float)
    s = np.asarray(s, dtype=float)
    keep_k = n.sum(axis=0) > 0
    n, s = n[:, keep_k], s[:, keep_k]
    keep_g = n.sum(axis=1) > 0
    n, s = n[keep_g], s[keep_g]
    g, k = n.shape
    big_n = n.sum()
    if k < 2 or g < 2 or big_n <= k:
        return WaldResult(np.nan, max(k - 1, 0), max(g - 1, 0), np.nan)
    nk = n.sum(axis=0)
    means = s.sum(axis=0) / nk
    e = s - n * means
    c = g / (g - 1) * (big_n - 1) / (big_n - k)
    v = c * (e.T @ e) / np.outer(nk, nk)
    r = np.hstack([np.ones((k - 1, 1)), -np.eye(k - 1)])
    rb = r @ means
    try:
        f = float(rb @ np.linalg.solve(r @ v @ r.T, rb)) / (k - 1)
    except np.linalg.LinAlgError:
        return WaldResult(np.nan, k - 1, g - 1, np.nan)
    return WaldResult(f, k - 1, g - 1, float(stats.f.sf(f, k - 1, g - 1)))
