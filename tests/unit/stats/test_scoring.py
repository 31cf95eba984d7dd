"""Item and theme scores against a hand-worked example, edge cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers.analysis_data import ITEMS, build_responses, random_responses
from hypothesis import given, settings
from hypothesis import strategies as st

from cpsa.stats.scoring import (
    NEGATIVE,
    POSITIVE,
    item_scores,
    respondent_theme_scores,
    theme_summary,
)

TOL = 1e-9

# items: A1 A2 A3 (theme alpha), B1 B2 (beta), S1 (solo: a theme with one statement)
HAND = {
    "aa": [
        ("police", "SA A D DK - SA"),
        ("community", "A A SD DK - A"),
        ("police", "D SA D DK - D"),
        ("community", "SD A A DK - SA"),
    ]
}


@pytest.fixture(scope="module")
def hand():
    return item_scores(build_responses(HAND), by=["cpp"]).set_index("item")


def test_counts_and_percentages_worked_by_hand(hand):
    a1 = hand.loc["A1"]
    options = ("strongly_agree", "agree", "disagree", "strongly_disagree")
    assert [a1[f"n_{c}"] for c in options] == [1, 1, 1, 1]
    assert (a1["n_valid"], a1["n_positive"], a1["n_dont_know"]) == (4, 2, 0)
    assert a1["pct_positive"] == pytest.approx(50.0, abs=TOL)
    assert a1["mean_score"] == pytest.approx(2.5, abs=TOL)
    assert a1["net_agreement"] == pytest.approx(0.0, abs=TOL)
    assert a1["minority_share"] == pytest.approx(50.0, abs=TOL)
    assert "divided" not in hand.columns  # replaced by the polarisation test
    a3 = hand.loc["A3"]  # 1 agree vs 3 disagree: minority 25%
    assert a3["pct_positive"] == pytest.approx(25.0) and a3["minority_share"] == pytest.approx(25.0)
    assert a3["net_agreement"] == pytest.approx(-50.0)


def test_tastle_wierman_consensus_by_hand(hand):
    # Cns = 1 + sum p_i log2(1 - |X_i - mean| / (max - min)), scale 1..4
    a1 = 1 + 0.5 * math.log2(1 - 1.5 / 3) + 0.5 * math.log2(1 - 0.5 / 3)
    a2 = 1 + 0.75 * math.log2(1 - 0.25 / 3) + 0.25 * math.log2(1 - 0.75 / 3)
    assert hand.loc["A1", "consensus"] == pytest.approx(a1, abs=TOL)
    assert hand.loc["A2", "consensus"] == pytest.approx(a2, abs=TOL)


def test_consensus_extremes():
    spec = {"x": [("p", "SA SA SA SA SA SA"), ("p", "SA SD SA SA SA SA")]}
    got = item_scores(build_responses(spec), by=["cpp"]).set_index("item")
    assert got.loc["A1", "consensus"] == pytest.approx(1.0)  # everyone the same
    assert got.loc["A2", "consensus"] == pytest.approx(0.0, abs=TOL)  # split at the extremes


def test_all_dont_know_and_all_skipped(hand):
    dk, skipped = hand.loc["B1"], hand.loc["B2"]
    assert dk["n_valid"] == 0 and dk["n_dont_know"] == 4
    assert dk["pct_dont_know"] == pytest.approx(100.0)
    assert np.isnan(dk["pct_positive"]) and np.isnan(dk["ci_low"])
    assert skipped["n_blank"] == 4 and skipped["n_answered"] == 0
    assert np.isnan(skipped["pct_dont_know"]) and np.isnan(skipped["mean_score"])


def test_all_positive_and_one_person_cpp():
    spec = {"solo-cpp": [("police", "SA A SA A SA A")]}
    got = item_scores(build_responses(spec), by=["cpp"])
    assert (got["pct_positive"] == 100).all() and (got["ci_high"] == 100).all()
    assert (got["ci_low"] > 0).all()
    summ = theme_summary(respondent_theme_scores(build_responses(spec)), by=["cpp"])
    assert (summ["score"] == 100).all()
    assert summ["ci_low"].isna().all()  # no interval from one person


def test_respondent_theme_scores_by_hand():
    rt = respondent_theme_scores(build_responses(HAND))
    alpha = rt[rt["theme"] == "alpha"].sort_values("respondent_id")
    np.testing.assert_allclose(alpha["score"], [2 / 3, 2 / 3, 1 / 3, 2 / 3], atol=TOL)
    assert "beta" not in set(rt["theme"])  # rated by nobody: no scores, not zeros
    summ = theme_summary(rt, by=["cpp"]).set_index("theme")
    assert summ.loc["alpha", "score"] == pytest.approx(100 * 7 / 12, abs=TOL)
    assert summ.loc["alpha", "n_respondents"] == 4
    # a theme with one statement: the theme score is that statement's % positive
    assert summ.loc["solo", "score"] == pytest.approx(75.0, abs=TOL)
    sd = np.std([1, 1, 0, 1], ddof=1) * 100
    assert summ.loc["solo", "sd"] == pytest.approx(sd, abs=TOL)


def test_unknown_codes_and_missing_columns_are_clear_errors():
    bad = build_responses(HAND)
    bad.loc[0, "response"] = "neutral"
    with pytest.raises(ValueError, match="unknown response code"):
        item_scores(bad, by=["cpp"])
    with pytest.raises(ValueError, match="missing column"):
        item_scores(bad.drop(columns="item"), by=["cpp"])


sizes = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(1, 12), min_size=1)


@settings(max_examples=40, deadline=None)
@given(sizes, st.integers(0, 2**32 - 1))
def test_properties_percentages_counts_and_row_order(sizes, seed):
    responses = random_responses(np.random.default_rng(seed), sizes)
    got = item_scores(responses, by=["cpp"])
    for col in ("pct_positive", "ci_low", "ci_high", "pct_dont_know", "net_agreement"):
        vals = got[col].dropna()
        assert ((vals >= -100 if col == "net_agreement" else vals >= 0) & (vals <= 100)).all()
    parts = got[["n_strongly_agree", "n_agree", "n_disagree", "n_strongly_disagree",
                 "n_dont_know", "n_blank"]].sum(axis=1)  # fmt: skip
    assert (parts == got["cpp"].map(sizes)).all()  # every respondent counted once per item
    assert (got["n_valid"] + got["n_dont_know"] == got["n_answered"]).all()
    assert (got["ci_low"].fillna(0) <= got["pct_positive"].fillna(0)).all()
    shuffled = responses.sample(frac=1, random_state=seed % 1000).reset_index(drop=True)
    pd.testing.assert_frame_equal(item_scores(shuffled, by=["cpp"]), got)
    a = respondent_theme_scores(responses)
    b = respondent_theme_scores(shuffled)
    pd.testing.assert_frame_equal(a, b)
    assert set(got["item"]) == set(ITEMS)


@pytest.mark.parametrize("mixed", [False, True])
def test_respondent_theme_scores_match_a_plain_groupby(mixed):
    # independent reference: a string groupby, as the function was first written;
    # ``mixed`` gives one respondent two CPPs, which the integer fast path cannot bin
    r = random_responses(np.random.default_rng(5), {"fife": 9, "moray": 7, "angus": 4})
    r = r.sample(frac=1, random_state=3).reset_index(drop=True)
    if mixed:
        first = r["respondent_id"].iloc[0]
        r.loc[(r["respondent_id"] == first) & (r.index % 2 == 0), "cpp"] = "zzz"
    ref = (
        r.assign(
            n_rated=r["response"].isin(POSITIVE + NEGATIVE).astype("int64"),
            n_positive=r["response"].isin(POSITIVE).astype("int64"),
        )
        .groupby(["cpp", "partner_type", "respondent_id", "theme"], sort=True)[
            ["n_rated", "n_positive"]
        ]
        .sum()
        .reset_index()
    )
    ref = ref[ref["n_rated"] > 0].reset_index(drop=True)
    ref["score"] = ref["n_positive"] / ref["n_rated"]
    pd.testing.assert_frame_equal(respondent_theme_scores(r), ref, check_exact=True)
