"""Benjamini-Hochberg against statsmodels and a worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from cpsa.stats.multiplicity import bh_adjust, bh_by_group

probs = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=60)


def test_worked_example():
    # m = 4: p sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.04, 0.04, 0.5 (step-up minimum)
    got = bh_adjust([0.03, 0.5, 0.01, 0.02])
    np.testing.assert_allclose(got, [0.04, 0.5, 0.04, 0.04], atol=1e-12)


@given(probs)
def test_matches_statsmodels_fdr_bh(p):
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(bh_adjust(p), expected, atol=1e-12)


@given(probs)
def test_q_at_least_p_and_at_most_one_and_order_free(p):
    q = bh_adjust(p)
    assert np.all(q >= np.asarray(p) - 1e-15) and np.all(q <= 1)
    perm = np.random.default_rng(0).permutation(len(p))
    np.testing.assert_allclose(bh_adjust(np.asarray(p)[perm]), q[perm], atol=1e-15)


def test_missing_p_values_are_not_tests():
    got = bh_adjust([0.01, np.nan, 0.04])
    np.testing.assert_allclose(got[[0, 2]], multipletests([0.01, 0.04], method="fdr_bh")[1])
    assert np.isnan(got[1])
    assert np.isnan(bh_adjust([np.nan, np.nan])).all()


def test_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bh_adjust([0.2, 1.5])


def test_by_group_adjusts_each_family_separately():
    df = pd.DataFrame({"cpp": ["a", "a", "b", "b", "b"], "p_value": [0.01, 0.04, 0.01, 0.02, 0.9]})
    got = bh_by_group(df, by="cpp")
    np.testing.assert_allclose(got[:2], multipletests([0.01, 0.04], method="fdr_bh")[1])
    np.testing.assert_allclose(got[2:], multipletests([0.01, 0.02, 0.9], method="fdr_bh")[1])
