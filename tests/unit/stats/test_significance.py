"""Fisher, permutation and rank tests against scipy and exact enumeration; the one rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cpsa.stats.significance import (
    direction,
    fisher_two_sided,
    kruskal_wallis,
    mann_whitney,
    permutation_test,
    permutation_test_counts,
    rng_for,
    sample_counts,
)


def test_fisher_matches_scipy_on_small_and_large_tables():
    cases = [(7, 10, 150, 230), (0, 5, 200, 210), (10, 10, 100, 200), (3, 9, 3, 9),
             (700, 1000, 21000, 31000), (1, 1, 0, 1), (0, 3, 0, 40)]  # fmt: skip
    k1, n1, k2, n2 = map(np.array, zip(*cases, strict=True))
    got = fisher_two_sided(k1, n1, k2, n2)
    for (a, na, c, nc), p in zip(cases, got, strict=True):
        ref = stats.fisher_exact([[a, na - a], [c, nc - c]], alternative="two-sided").pvalue
        assert p == pytest.approx(ref, rel=1e-9, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 30), st.integers(1, 30), st.integers(0, 60), st.integers(1, 60))
def test_fisher_matches_scipy_property(k1, n1, k2, n2):
    k1, k2 = min(k1, n1), min(k2, n2)
    ref = stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue
    assert fisher_two_sided([k1], [n1], [k2], [n2])[0] == pytest.approx(ref, rel=1e-9)


def test_fisher_undefined_when_a_group_has_no_valid_answers():
    assert np.isnan(fisher_two_sided([0], [0], [5], [9])[0])


def _exact_permutation_p(x, y):
    """Every relabelling enumerated: the exact two-sided permutation p-value."""
    pooled = np.concatenate([x, y])
    obs = abs(x.mean() - y.mean())
    hits = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(x)):
        mask = np.zeros(len(pooled), bool)
        mask[list(idx)] = True
        total += 1
        hits += abs(pooled[mask].mean() - pooled[~mask].mean()) >= obs - 1e-12
    return hits / total


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1.0, 1.0, 0.75, 1.0], [0.5, 0.25, 0.75, 0.5, 0.0, 0.5]),
        ([0.0, 1 / 3, 2 / 3], [1.0, 1.0, 2 / 3, 1 / 3, 1.0]),
        ([0.2], [0.4, 0.6, 0.8, 1.0, 0.2]),
    ],
)
def test_permutation_p_agrees_with_full_enumeration(x, y):
    x, y = np.array(x), np.array(y)
    m = 20000
    res = permutation_test(x, y, permutations=m, rng=np.random.default_rng(1), statistic="mean")
    exact = _exact_permutation_p(x, y)
    se = np.sqrt(exact * (1 - exact) / m)
    assert abs(res.p_value - exact) <= 4 * se + 1 / m  # 4 Monte Carlo SEs
    assert res.diff == pytest.approx(x.mean() - y.mean(), abs=1e-12)


def test_permutation_is_seeded_and_p_is_never_zero():
    x, y = np.ones(30), np.zeros(30)
    a = permutation_test(x, y, permutations=999, rng=rng_for(5, "r", "cpp", "theme"))
    b = permutation_test(x, y, permutations=999, rng=rng_for(5, "r", "cpp", "theme"))
    assert a == b
    assert a.p_value == pytest.approx(1 / 1000)  # (b + 1) / (m + 1) with b = 0


def test_permutation_counts_form_equals_sample_form():
    x = np.array([0.0, 0.5, 0.5, 1.0])
    y = np.array([1.0, 1.0, 0.5, 0.0, 1.0, 1.0])
    a = permutation_test(x, y, permutations=500, rng=np.random.default_rng(9))
    b = permutation_test_counts(
        [0.0, 0.5, 1.0], [1, 2, 1], [1, 1, 4], permutations=500, rng=np.random.default_rng(9)
    )
    assert a == b


def test_permutation_edge_cases():
    same = permutation_test([1.0, 1.0], [1.0, 1.0, 1.0], permutations=99, rng=rng_for(1, "x"))
    assert same.p_value == 1.0 and same.diff == 0.0
    empty = permutation_test([], [0.5, 1.0], permutations=99, rng=rng_for(1, "x"))
    assert np.isnan(empty.p_value)
    with pytest.raises(ValueError, match="at least 1"):
        permutation_test([1.0], [0.0], permutations=0, rng=rng_for(1, "x"))


def test_large_groups_agree_with_welch_t_test():
    """Large samples: the permutation p must be close to the t-test p (an independent check)."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 400) / 5
    y = rng.integers(0, 6, 3000) / 5 * 0.97
    res = permutation_test(x, y, permutations=9999, rng=rng_for(1, "big"))
    ref = stats.ttest_ind(x, y, equal_var=False).pvalue
    assert res.p_value == pytest.approx(ref, abs=0.02)


def test_direction_is_the_single_rule():
    got = direction([5, -5, 5, 5, np.nan], [0.01, 0.049, 0.05, np.nan, 0.01], q_threshold=0.05)
    assert list(got) == ["higher", "lower", "similar", "", ""]


def test_rank_tests_match_scipy():
    rng = np.random.default_rng(2)
    groups = [rng.integers(0, 5, n) / 4 for n in (12, 20, 15)]
    kw = kruskal_wallis(groups)
    assert kw.p_value == pytest.approx(stats.kruskal(*groups).pvalue, rel=1e-12)
    assert np.isnan(kruskal_wallis([np.ones(4), np.ones(3)]).p_value)  # no variation
    mw = mann_whitney(groups[0], np.concatenate(groups[1:]))
    ref = stats.mannwhitneyu(groups[0], np.concatenate(groups[1:]), method="asymptotic")
    assert mw == pytest.approx(ref.pvalue, rel=1e-12)
    assert mann_whitney(np.ones(3), np.ones(4)) == 1.0


def test_early_stopping_only_for_clearly_non_significant_tests():
    rng = np.random.default_rng(8)
    x, y = rng.integers(0, 4, 40) / 3, rng.integers(0, 4, 300) / 3
    null = permutation_test(x, y, permutations=9999, rng=rng_for(2, "a"), stop_above=0.05)
    full = permutation_test(x, y, permutations=9999, rng=rng_for(2, "a"))
    assert full.p_value > 0.2  # (fixed data) a null comparison stops after the first batch
    assert null.permutations == 1000 and full.permutations == 9999
    assert null.p_value - 3.29 * null.mc_se > 0.05
    assert abs(null.p_value - full.p_value) < 4 * null.mc_se
    strong = permutation_test(x + 0.3, y, permutations=9999, rng=rng_for(2, "b"), stop_above=0.05)
    same = permutation_test(x + 0.3, y, permutations=9999, rng=rng_for(2, "b"))
    assert strong == same and strong.permutations == 9999  # significant: never cut short


def test_early_stopping_for_clearly_significant_tests_keeps_the_verdict():
    rng = np.random.default_rng(8)
    x, y = rng.integers(0, 4, 40) / 3 + 0.3, rng.integers(0, 4, 300) / 3
    bound = 0.05 / 9  # Bonferroni level of a family of 9: significant under BH regardless
    fast = permutation_test(x, y, permutations=9999, rng=rng_for(2, "c"), stop_below=bound)
    full = permutation_test(x, y, permutations=9999, rng=rng_for(2, "c"))
    assert fast.permutations < 9999 and full.p_value < bound and fast.p_value < bound
    # the stopping bound is a 99.9% Clopper-Pearson upper limit of the exceedance rate
    b = round(fast.p_value * (fast.permutations + 1)) - 1
    upper = stats.beta.ppf(1 - 0.0005, b + 1, fast.permutations - b)
    assert upper < bound


def test_stopping_rule_quantile_is_scipys_beta_ppf():
    # the stopping rule calls scipy's private beta quantile directly for speed; it must
    # give exactly stats.beta.ppf, or early stopping (and so the p-values) would change
    from cpsa.stats.significance import _beta_ppf

    for m in (1000, 5000, 9999):
        for b in (1, 7, 50, 500, m - 1):
            assert _beta_ppf(0.0005, b, m - b + 1) == stats.beta.ppf(0.0005, b, m - b + 1)
            assert _beta_ppf(0.9995, b + 1, m - b) == stats.beta.ppf(0.9995, b + 1, m - b)


def test_batched_tests_in_workers_equal_one_by_one():
    # run_permutation_jobs may fork workers; each test's generator is named by its key,
    # so the results must equal running every test alone, in any order
    from cpsa.stats.significance import _PARALLEL_MIN_JOBS, PermutationJob, run_permutation_jobs

    rng = np.random.default_rng(4)
    jobs = []
    for i in range(_PARALLEL_MIN_JOBS + 6):
        values = np.array([0.0, 0.25, 0.5, 1.0])
        jobs.append(
            PermutationJob(
                values,
                rng.integers(0, 6, size=4),
                rng.integers(1, 9, size=4),
                seed=7,
                key=("r", str(i)),
                permutations=1999,
                stop_above=0.05,
            )
        )
    alone = [
        permutation_test_counts(
            j.values, j.counts_x, j.counts_y, permutations=j.permutations,
            rng=rng_for(7, "r", str(i)), stop_above=0.05,
        )
        for i, j in enumerate(jobs)
    ]  # fmt: skip
    assert run_permutation_jobs(jobs) == alone
    assert run_permutation_jobs(jobs[::-1]) == alone[::-1]


# --------------------------------------------------------------------------- issue 12.1


def _exact_welch_p(x, y):
    """Every relabelling enumerated: the exact permutation p of the Welch t statistic."""

    def t(a, b):
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        return (a.mean() - b.mean()) / se

    pooled = np.concatenate([x, y])
    obs = abs(t(x, y))
    hits = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(x)):
        mask = np.zeros(len(pooled), bool)
        mask[list(idx)] = True
        total += 1
        hits += abs(t(pooled[mask], pooled[~mask])) >= obs * (1 - 1e-9)
    return hits / total


def test_studentized_permutation_p_agrees_with_full_enumeration():
    x = np.array([0.2, 0.4, 0.4, 1.0])
    y = np.array([0.8, 1.0, 0.6, 0.8, 1.0, 0.6, 0.8])
    m = 20000
    res = permutation_test(x, y, permutations=m, rng=np.random.default_rng(3))
    exact = _exact_welch_p(x, y)
    assert abs(res.p_value - exact) <= 4 * np.sqrt(exact * (1 - exact) / m) + 1 / m
    # and the statistic is scipy's Welch t (the observed value is what is permuted)
    assert res.diff == pytest.approx(x.mean() - y.mean(), abs=1e-12)


def _size(small, large, statistic, *, reps=2000, seed=2026):
    rng = np.random.default_rng(seed)
    rej = 0
    for _ in range(reps):
        x = np.round(5 * rng.beta(*small, 10)) / 5  # theme scores of a 5-statement theme
        y = np.round(5 * rng.beta(*large, 230)) / 5
        res = permutation_test(x, y, permutations=199, rng=rng, statistic=statistic)
        rej += res.p_value <= 0.05
    return rej / reps


@pytest.mark.parametrize(
    ("small", "large"),
    [((3, 1.5), (10, 5)), ((10, 5), (3, 1.5))],  # same mean 2/3; variances 0.040 vs 0.014
    ids=["small-board-more-spread", "small-board-less-spread"],
)
def test_theme_test_size_with_unequal_variances_10_vs_230(small, large):
    """Issue 12.1: size within 0.05 +/- 0.02 under the null (seeded simulation, 2,000 rounds)."""
    assert 0.03 <= _size(small, large, "welch") <= 0.07


def test_unstudentized_test_was_invalid_with_unequal_variances():
    # the old statistic flags a board with more spread far too often (the bug of issue 12.1)
    assert _size((3, 1.5), (10, 5), "mean", reps=500) > 0.12


def test_direction_needs_the_interval_to_agree():
    got = direction([5, 5, -5, -5], [0.01] * 4, q_threshold=0.05,
                    low=[1, -1, -9, -9], high=[9, 9, -1, 1])  # fmt: skip
    assert got.tolist() == ["higher", "similar", "lower", "similar"]


def test_settle_family_draws_until_the_bh_verdict_cannot_change():
    from cpsa.stats.multiplicity import bh_adjust
    from cpsa.stats.significance import PermutationJob, run_permutation_jobs, settle_family

    rng = np.random.default_rng(11)
    jobs = []
    for i, shift in enumerate([0.0, 0.15, 0.2, 0.25, 0.4]):
        x = np.clip(np.round(5 * (rng.beta(4, 2, 12) - shift)) / 5, 0, 1)
        y = np.round(5 * rng.beta(4, 2, 200)) / 5
        v, cx, cy = sample_counts(x, y)
        jobs.append(PermutationJob(v, cx, cy, seed=1, key=("t", str(i)), permutations=999))
    first = run_permutation_jobs(jobs)
    res, ok = settle_family(
        jobs, first, families=["f"] * 5, q_threshold=0.05, max_permutations=200_000
    )
    assert all(ok)
    assert all(r.permutations >= f.permutations for r, f in zip(res, first, strict=True))
    # settled: the verdicts at the bounds of every p-value's 99.9% interval agree
    from cpsa.stats.significance import _mc_bounds

    lo, hi = _mc_bounds([r.exceed for r in res], [r.permutations for r in res])
    assert ((bh_adjust(lo) < 0.05) == (bh_adjust(hi) < 0.05)).all()
