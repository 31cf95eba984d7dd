"""CPP-cluster-robust national figures, checked against statsmodels and by simulation."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cpsa.stats.cluster import (
    cluster_difference,
    cluster_mean,
    cluster_sums,
    cluster_wald_equal_means,
    effective_n,
)

TOL = 1e-9


def _clustered(rng, icc, *, g=30, size=(6, 15), mean=0.7, sd=0.2):
    sizes = rng.integers(*size, g)
    cl = np.repeat(np.arange(g), sizes)
    u = rng.normal(0, sd * np.sqrt(icc), g)
    y = mean + u[cl] + rng.normal(0, sd * np.sqrt(1 - icc), len(cl))
    return y, cl


def test_mean_matches_statsmodels_cluster_ols():
    y, cl = _clustered(np.random.default_rng(1), 0.15)
    fit = sm.OLS(y, np.ones(len(y))).fit(cov_type="cluster", cov_kwds={"groups": cl}, use_t=True)
    e = cluster_mean(*cluster_sums(y, cl))
    assert float(e.estimate) == pytest.approx(fit.params[0], abs=TOL)
    assert float(e.se) == pytest.approx(fit.bse[0], abs=TOL)
    lo, hi = fit.conf_int()[0]
    assert (float(e.low), float(e.high)) == pytest.approx((lo, hi), abs=TOL)
    assert float(e.df) == 29  # G - 1


def test_difference_matches_statsmodels_cluster_ols():
    rng = np.random.default_rng(2)
    y, cl = _clustered(rng, 0.1)
    d = (rng.random(len(y)) < 0.3).astype(float)
    fit = sm.OLS(y, sm.add_constant(d)).fit(cov_type="cluster", cov_kwds={"groups": cl}, use_t=True)
    g = np.arange(30)
    e = cluster_difference(
        *cluster_sums(y[d == 1], cl[d == 1], clusters=g),
        *cluster_sums(y[d == 0], cl[d == 0], clusters=g),
    )
    assert float(e.estimate) == pytest.approx(fit.params[1], abs=TOL)
    assert float(e.se) == pytest.approx(fit.bse[1], abs=TOL)
    assert float(e.p_value) == pytest.approx(fit.pvalues[1], abs=TOL)
    assert (float(e.low), float(e.high)) == pytest.approx(tuple(fit.conf_int()[1]), abs=TOL)


def test_wald_matches_statsmodels_f_test():
    rng = np.random.default_rng(3)
    y, cl = _clustered(rng, 0.1, g=25)
    t = rng.integers(0, 4, len(y))
    y = y + 0.05 * (t == 1)
    x = pd.get_dummies(t).to_numpy(float)
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": cl}, use_t=True)
    ref = fit.f_test(np.hstack([np.ones((3, 1)), -np.eye(3)]))
    n = np.zeros((25, 4))
    s = np.zeros((25, 4))
    np.add.at(n, (cl, t), 1)
    np.add.at(s, (cl, t), y)
    got = cluster_wald_equal_means(n, s)
    assert got.f == pytest.approx(float(ref.fvalue), rel=1e-9)
    assert got.p_value == pytest.approx(float(ref.pvalue), rel=1e-9)
    assert (got.df_num, got.df_denom) == (3, 24)


def _width_ratio(icc, *, reps=300, seed=7, g=100):
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(reps):
        y, cl = _clustered(rng, icc, g=g)
        e = cluster_mean(*cluster_sums(y, cl))
        ratios.append(float(e.se / e.naive_se))
    return float(np.mean(ratios))


def test_wider_than_naive_when_members_of_a_board_are_alike():
    """Issue 12.2: intraclass correlation 0.15, boards of ~10: design effect ~2.4."""
    assert _width_ratio(0.15) > 1.3


def test_equal_to_naive_when_there_is_no_clustering():
    """Issue 12.2: ICC = 0: on average the cluster-robust width equals the naive one."""
    assert _width_ratio(0.0) == pytest.approx(1.0, abs=0.03)


def test_effective_n_wilson_is_plain_wilson_at_deff_1():
    assert effective_n(100, 1.0) == 100 and effective_n(100, 2.0) == 50
    assert effective_n(100, np.nan) == 100
