"""Strengths / areas for improvement by evidence (Jeffreys posterior), checked by hand and scipy."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cpsa.stats.classify import CERTAIN, classify_items, posterior_above


def _items(rows):
    cols = ["item", "n_positive", "n_valid", "pct_dont_know", "significance", "suppressed"]
    df = pd.DataFrame(rows, columns=cols)
    df["cpp"] = "x"
    df["pct_positive"] = 100 * df["n_positive"] / df["n_valid"].where(df["n_valid"] > 0)
    return df


def test_posterior_is_jeffreys_beta():
    # worked example: 9 of 10 positive -> Beta(9.5, 1.5); P(theta >= 0.75)
    assert posterior_above(9, 10, 0.75) == pytest.approx(stats.beta.sf(0.75, 9.5, 1.5), abs=1e-12)
    assert posterior_above(9, 10, 0.75) == pytest.approx(0.8674, abs=1e-3)
    assert np.isnan(posterior_above(0, 0, 0.75))


def test_each_rule_in_order():
    df = _items(
        [
            ("S_hi", 10, 10, 0.0, "similar", False),  # P(>=75%) = 0.95: strength
            ("S_9", 9, 10, 0.0, "similar", False),  # 0.87: strength
            ("N_8", 8, 10, 0.0, "similar", False),  # 80% observed, 0.58: not certain enough
            ("I_low", 3, 10, 0.0, "similar", False),  # P(<60%) = 0.98: improvement
            ("I_sig", 9, 10, 0.0, "lower", False),  # significantly lower wins
            ("G_dk", 9, 10, 30.0, "similar", False),  # information gap first
            ("X_few", 2, 2, 0.0, "", False),  # too few valid answers
            ("Z_sup", 0, 0, np.nan, "", True),
        ]
    )
    got = classify_items(df, min_valid=3).set_index("item")
    assert got.loc["S_hi", "category"] == "strength"
    assert got.loc["S_9", "category"] == "strength" and got.loc["S_9", "certainty"] >= CERTAIN
    assert got.loc["N_8", "category"] == "neither" and np.isnan(got.loc["N_8", "certainty"])
    assert got.loc["I_low", "category"] == "improvement"
    assert got.loc["I_sig", "category"] == "improvement"
    assert got.loc["G_dk", "category"] == "information_gap"
    assert got.loc["X_few", "category"] == "insufficient"
    assert got.loc["Z_sup", "category"] == "suppressed"
    # ranking by evidence: the more certain strength first; sig-lower improvement first
    assert got.loc["S_hi", "category_rank"] == 1 and got.loc["S_9", "category_rank"] == 2
    assert got.loc["I_sig", "category_rank"] == 1 and got.loc["I_low", "category_rank"] == 2


def test_noise_rarely_makes_a_70pct_statement_a_strength_or_weakness():
    """Issue 12.5: truly 70% positive, boards of 10: was strength 38%, improvement 15%."""
    rng = np.random.default_rng(12)
    k = rng.binomial(10, 0.7, size=20000)
    df = _items([(f"i{i}", int(v), 10, 0.0, "similar", False) for i, v in enumerate(k)])
    cat = classify_items(df, min_valid=3)["category"]
    assert (cat == "strength").mean() < 0.16  # P(X >= 9) = 0.149
    assert (cat == "improvement").mean() < 0.06  # P(X <= 4) = 0.047


def test_ranking_is_deterministic_with_ties_by_item():
    df = _items([("B", 10, 10, 0.0, "similar", False), ("A", 10, 10, 0.0, "similar", False)])
    got = classify_items(df, min_valid=3).set_index("item")
    assert got.loc["A", "category_rank"] == 1 and got.loc["B", "category_rank"] == 2


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="n_positive"):
        classify_items(pd.DataFrame({"cpp": [], "item": []}), min_valid=3)
