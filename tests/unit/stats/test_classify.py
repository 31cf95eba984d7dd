"""The strengths / improvement / information-gap rule on hand-built rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpsa.stats.classify import classify_items


def _rows(rows):
    cols = ["item", "pct_positive", "pct_dont_know", "n_valid", "significance", "suppressed"]
    df = pd.DataFrame(rows, columns=cols)
    df["cpp"] = "x"
    df["ci_low"] = df["pct_positive"] - 10
    df["ci_high"] = df["pct_positive"] + 10
    return df


def test_each_rule_in_order():
    df = _rows(
        [
            ("S_hi", 90.0, 0.0, 10, "similar", False),
            ("S_edge", 75.0, 0.0, 10, "", False),
            ("S_lowered", 80.0, 0.0, 10, "lower", False),  # significantly lower wins
            ("I_low", 59.9, 0.0, 10, "similar", False),
            ("N_mid", 60.0, 0.0, 10, "similar", False),
            ("G_dk", 90.0, 25.0, 6, "similar", False),  # DK >= 25% comes first
            ("X_few", 100.0, 0.0, 2, "", False),
            ("Z_sup", np.nan, np.nan, np.nan, "", True),
        ]
    )
    got = classify_items(df, min_valid=3).set_index("item")["category"]
    assert got.to_dict() == {
        "S_hi": "strength",
        "S_edge": "strength",
        "S_lowered": "improvement",
        "I_low": "improvement",
        "N_mid": "neither",
        "G_dk": "information_gap",
        "X_few": "insufficient",
        "Z_sup": "suppressed",
    }


def test_ranking_is_deterministic_with_ties_by_item():
    df = _rows(
        [
            ("B", 80.0, 0.0, 10, "similar", False),
            ("A", 80.0, 0.0, 10, "similar", False),
            ("C", 95.0, 0.0, 10, "similar", False),
            ("E", 50.0, 0.0, 10, "similar", False),
            ("D", 70.0, 0.0, 10, "lower", False),
        ]
    )
    got = classify_items(df, min_valid=3).set_index("item")
    assert got.loc[["C", "A", "B"], "category_rank"].tolist() == [1, 2, 3]
    # improvements: significantly lower first, then lowest % positive
    assert got.loc[["D", "E"], "category_rank"].tolist() == [1, 2]
    shuffled = classify_items(df.iloc[::-1], min_valid=3).set_index("item")
    pd.testing.assert_frame_equal(shuffled.loc[got.index], got)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="significance"):
        classify_items(pd.DataFrame({"cpp": [], "item": []}), min_valid=3)
