"""Disclosure control: thresholds, complementary suppression, no recovery by differencing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.analysis_data import random_responses, round_data, settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cpsa.stats import suppression
from cpsa.tables.write import compute_round_tables


def test_report_decision_threshold():
    assert suppression.report_decision(5, min_respondents=5).allowed
    no = suppression.report_decision(4, min_respondents=5)
    assert not no.allowed and "fewer than 5" in no.reason


def test_pooling_excludes_a_lone_small_cpp_but_keeps_a_safe_group():
    one = suppression.cpp_pooling({"a": 10, "b": 8, "c": 3}, min_respondents=5)
    assert one.reported == ("a", "b") and one.suppressed == ("c",) and one.pooled == ("a", "b")
    two_small = suppression.cpp_pooling({"a": 10, "b": 2, "c": 2}, min_respondents=5)
    assert two_small.pooled == ("a",)  # 2 + 2 < 5: together still too few
    two_ok = suppression.cpp_pooling({"a": 10, "b": 3, "c": 4}, min_respondents=5)
    assert two_ok.pooled == ("a", "b", "c")  # only their sum (7) can be recovered


def test_suppress_cells_worked_examples():
    # 3 is primary; alone it could be recovered from the total, so the next smallest (7) goes
    assert list(suppression.suppress_cells([20, 3, 7, 30], min_size=10)) == [F, T, T, F]
    # 2 + 4 = 6 < 10: keep adding the smallest until the hidden total reaches 10
    assert list(suppression.suppress_cells([2, 4, 11, 12], min_size=10)) == [T, T, T, F]
    assert not suppression.suppress_cells([0, 10, 12], min_size=10).any()  # empty cell is safe
    assert list(suppression.suppress_cells([4], min_size=10)) == [T]


T, F = True, False


@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.integers(2, 15))
def test_no_small_cell_survives_or_can_be_recovered(counts, k):
    mask = suppression.suppress_cells(counts, min_size=k)
    n = np.asarray(counts)
    assert not ((n > 0) & (n < k) & ~mask).any()  # primary
    if mask.any():
        # total minus the published cells reveals only the sum of the hidden ones
        assert n[mask].sum() >= k or mask.sum() == (n > 0).sum()
        assert mask.sum() >= 2 or mask.sum() == (n > 0).sum()


def test_suppress_margins_with_forced_cells():
    df = pd.DataFrame({"theme": ["t"] * 3 + ["u"] * 3, "n": [50, 40, 30, 50, 40, 30],
                       "force": [F, F, T, F, F, F]})  # fmt: skip
    mask = suppression.suppress_margins(df, count_col="n", by=["theme"], min_size=10,
                                        force_col="force")  # fmt: skip
    assert list(mask) == [F, T, T, F, F, F]


def test_blank_keeps_integer_counts_integer():
    df = pd.DataFrame({"n": [3, 12], "pct": [50.0, 75.0], "label": ["a", "b"]})
    out = suppression.blank(df, [True, False], ["n", "pct"])
    assert out["n"].dtype.name == "Int64" and pd.isna(out.loc[0, "n"])
    assert np.isnan(out.loc[0, "pct"]) and out.loc[1, "n"] == 12
    assert list(out["suppressed"]) == [True, False] and out.loc[0, "label"] == "a"


def test_check_publishable_refuses_respondent_ids():
    with pytest.raises(ValueError, match="respondent identifiers"):
        suppression.check_publishable(pd.DataFrame({"respondent_id": ["R1"]}), name="x")


@hsettings(max_examples=15, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 9), min_size=2),
       st.integers(0, 2**31))  # fmt: skip
def test_round_tables_never_reveal_a_small_cpp(sizes, seed):
    data = round_data(random_responses(np.random.default_rng(seed), sizes))
    s = settings(permutations=19)
    res = compute_round_tables(data, s)
    items = res.national["cpp_items"]
    small = {c for c, n in sizes.items() if n < s.min_respondents_report}
    shown = items[~items["suppressed"].astype(bool)]
    assert not set(shown["cpp"]) & small
    assert items.loc[items["cpp"].isin(small), ["n_valid", "rest_n_valid"]].isna().all().all()
    # differencing: national minus every published CPP is either nothing or a safe group
    nat = res.national["national_items"].set_index("item")
    hidden = nat["n_answered"] - shown.groupby("item")["n_answered"].sum().reindex(nat.index)
    hidden_resp = sum(n for c, n in sizes.items() if c in small)
    assert (hidden.fillna(nat["n_answered"]) >= 0).all()
    if hidden_resp and (hidden > 0).any():
        assert hidden_resp >= s.min_respondents_report and len(small) >= 2
    for cpp in small:
        assert not res.summaries[cpp]["report_allowed"]
        assert "n_respondents" not in res.summaries[cpp]
        assert all(len(frame) == 0 for frame in res.bundles[cpp].values())


def test_small_partner_type_is_hidden_with_a_complement_everywhere():
    rng = np.random.default_rng(5)
    responses = random_responses(rng, {"a": 12, "b": 12, "c": 12})
    ids = responses.drop_duplicates("respondent_id")["respondent_id"].tolist()
    # 4 fire members (< 10) and 8 hscp members: fire alone could be got from the total
    kinds = {i: "fire" for i in ids[:4]} | {i: "hscp" for i in ids[4:12]}
    responses["partner_type"] = responses["respondent_id"].map(kinds).fillna("police")
    res = compute_round_tables(round_data(responses), settings(permutations=19))
    part = res.national["participation"].set_index("group")
    assert part.loc["fire", "suppressed"] and part.loc["hscp", "suppressed"]
    assert pd.isna(part.loc["fire", "n_respondents"]) and not part.loc["police", "suppressed"]
    pt = res.national["partner_types"]
    hidden = pt[pt["partner_type"].isin(["fire", "hscp"])]
    assert hidden["suppressed"].all() and hidden["n_respondents"].isna().all()
    assert hidden["score"].isna().all() and hidden["p_value"].isna().all()
