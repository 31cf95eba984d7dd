"""Intervals against statsmodels / scipy and Newcombe's (1998) published worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from cpsa.stats.intervals import newcombe_difference, t_mean, welch_difference, wilson

TOL = 1e-10


def test_wilson_matches_statsmodels_over_a_grid():
    ks, ns = zip(*[(k, n) for n in range(1, 41) for k in range(n + 1)], strict=True)
    got = wilson(ks, ns)
    low, high = proportion_confint(np.array(ks), np.array(ns), alpha=0.05, method="wilson")
    np.testing.assert_allclose(got.low, low, atol=TOL)
    np.testing.assert_allclose(got.high, high, atol=TOL)


def test_wilson_other_confidence_level():
    got = wilson([3], [11], confidence=0.9)
    low, high = proportion_confint(3, 11, alpha=0.10, method="wilson")
    assert got.low[0] == pytest.approx(low, abs=TOL)
    assert got.high[0] == pytest.approx(high, abs=TOL)


def test_wilson_edges():
    got = wilson([0, 5, 0], [5, 5, 0])
    assert got.low[0] == 0.0 and got.high[1] == 1.0
    assert got.high[0] < 1 and got.low[1] > 0
    assert np.isnan(got.low[2]) and np.isnan(got.high[2])  # nobody answered


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson([6], [5])


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    # Newcombe (1998) Stat Med 17:873, Table II, method 10, examples (a) and (b)
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],
)
def test_newcombe_published_examples(k1, n1, k2, n2, low, high):
    got = newcombe_difference(k1, n1, k2, n2)
    assert float(got.low) == pytest.approx(low, abs=5e-5)
    assert float(got.high) == pytest.approx(high, abs=5e-5)


def test_newcombe_matches_statsmodels_on_small_samples():
    for k1, n1, k2, n2 in [(0, 5, 5, 5), (3, 8, 150, 200), (10, 10, 9, 12), (1, 3, 0, 7)]:
        got = newcombe_difference(k1, n1, k2, n2)
        low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
        assert float(got.low) == pytest.approx(low, abs=1e-9)
        assert float(got.high) == pytest.approx(high, abs=1e-9)


def test_t_mean_matches_scipy_and_is_clipped():
    x = np.array([0.2, 0.4, 0.5, 0.9, 1.0])
    got = t_mean(x.mean(), x.std(ddof=1), len(x), bounds=(-np.inf, np.inf))
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert float(got.low) == pytest.approx(low, abs=TOL)
    assert float(got.high) == pytest.approx(high, abs=TOL)
    clipped = t_mean(x.mean(), x.std(ddof=1), len(x))
    assert float(clipped.high) == 1.0  # the raw upper bound exceeds the scale
    one = t_mean(0.5, np.nan, 1)
    assert np.isnan(one.low) and np.isnan(one.high)  # a CPP of one person


def test_welch_matches_scipy_ttest_interval():
    rng = np.random.default_rng(3)
    x, y = rng.random(9), rng.random(31) * 0.8
    got = welch_difference(x.mean(), x.std(ddof=1), 9, y.mean(), y.std(ddof=1), 31)
    ref = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
    assert float(got.low) == pytest.approx(ref.low, abs=1e-9)
    assert float(got.high) == pytest.approx(ref.high, abs=1e-9)


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_contains_estimate_and_stays_in_unit_interval(k, n):
    k = min(k, n)
    got = wilson([k], [n])
    assert 0 <= got.low[0] <= k / n <= got.high[0] <= 1
