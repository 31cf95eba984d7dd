"""A round's tables (cpsa.tables.compute): disclosure rules of issue 16 (points 1-3) and the
method rules of issue 12 that only show in whole tables."""

import numpy as np
import pandas as pd
import pytest
from helpers.analysis_data import build_responses, random_responses, round_data, settings

from cpsa.stats import suppression
from cpsa.tables import compute
from cpsa.tables.write import compute_round_tables


def _round(n_cpps, *, seed=1, size=10, shift=None):
    sizes = {f"cpp-{chr(97 + i)}": size for i in range(n_cpps)}
    return round_data(random_responses(np.random.default_rng(seed), sizes, shift=shift))


# --------------------------------------------------------------------------- issue 16.1


def test_two_reported_cpps_get_no_rest_of_scotland_comparison():
    """With two CPPs one CPP's "rest of Scotland" is the other: nothing of it is published."""
    res = compute_round_tables(_round(2), settings(permutations=99))
    items, themes = res.national["cpp_items"], res.national["cpp_themes"]
    for col in compute.REST_ITEM_COLUMNS:
        assert items[col].isna().all(), col
    assert (items["significance"] == "").all()
    for col in ("rest_n_respondents", "rest_score", "rest_sd", "p_value", "diff_pp"):
        assert themes[col].isna().all(), col
    assert all(s["rest_comparison"] is False for s in res.summaries.values())


def test_enough_reported_cpps_get_the_comparison():
    s = settings(permutations=99)
    res = compute_round_tables(_round(s.min_reported_cpps), s)
    assert res.national["cpp_items"]["rest_n_valid"].notna().all()
    assert res.national["cpp_themes"]["p_value"].notna().any()


# --------------------------------------------------------------------------- issue 16.2


def test_quartiles_of_cpp_figures_are_rounded_and_need_enough_cpps():
    s = settings(permutations=99)
    res = compute_round_tables(_round(5, seed=3), s)
    var = res.national["variation_themes"]
    assert not {"score_p10", "score_p90", "score_min", "score_max"} & set(var.columns)
    themes = res.national["cpp_themes"]
    for row in var.itertuples():
        scores = set(themes.loc[themes["theme"] == row.theme, "score"].round(6))
        for q in (row.score_q25, row.score_median, row.score_q75):
            assert q % compute.QUANTILE_ROUNDING == 0  # binned: never a CPP's exact figure
        # with 5 CPPs the old linear quantiles gave back every CPP exactly; now none
        old = np.quantile(sorted(scores), [0.1, 0.25, 0.5, 0.75, 0.9]).round(6)
        assert set(old) & scores  # (the old rule did disclose)
    few = compute_round_tables(_round(4, seed=3), s).national["variation_themes"]
    assert few[["score_q25", "score_median", "score_q75"]].isna().all().all()


def test_response_rate_quartiles_follow_the_same_rule():
    s = settings(permutations=99)
    data = _round(4)
    data = round_data(data.responses, invited={c: 17 for c in data.cpps})
    part = compute_round_tables(data, s).national["participation"].set_index("group")
    assert np.isnan(part.loc["all", "cpp_response_rate_median"])


# --------------------------------------------------------------------------- issue 16.3


def test_a_statement_with_one_valid_answer_shows_no_percentage():
    rng = np.random.default_rng(9)
    base = random_responses(rng, {f"cpp-{c}": 8 for c in "abcde"})
    # in cpp-a only the first member answers S1 (Disagree); everyone else says Don't know
    ids = base.loc[base["cpp"] == "cpp-a", "respondent_id"].unique()
    sel = (base["cpp"] == "cpp-a") & (base["item"] == "S1")
    base.loc[sel, "response"] = "dont_know"
    base.loc[sel & (base["respondent_id"] == ids[0]), "response"] = "disagree"
    s = settings(permutations=99)
    items = compute_round_tables(round_data(base), s).national["cpp_items"]
    row = items[(items["cpp"] == "cpp-a") & (items["item"] == "S1")].iloc[0]
    assert row["n_valid"] == 1 and bool(row["too_few_valid"])
    for col in ("pct_positive", "n_positive", "ci_low", "mean_score", "rest_n_positive",
                "rest_n_valid", "p_value", "diff_pp"):  # fmt: skip
        assert pd.isna(row[col]), col  # rest_n_positive: national minus rest would give it
    assert row["significance"] == "" and row["category"] in ("insufficient", "information_gap")
    assert not bool(row["suppressed"])  # the rest of the row (Don't know counts) is shown


# --------------------------------------------------------------------------- issue 12


def test_no_verdict_contradicts_its_interval():
    s = settings(permutations=499, min_reported_cpps=3)
    data = _round(6, seed=4, size=12, shift={"cpp-a": -0.3, "cpp-b": 0.25})
    res = compute_round_tables(data, s)
    for name in ("cpp_items", "cpp_themes", "partner_types"):
        t = res.national[name]
        up = t["significance"] == "higher"
        down = t["significance"] == "lower"
        assert (t.loc[up, "diff_ci_low"] > 0).all(), name
        assert (t.loc[down, "diff_ci_high"] < 0).all(), name
    assert (res.national["cpp_themes"]["significance"] == "lower").any()


def test_national_change_is_given_for_all_cpps_and_for_cpps_in_both_rounds():
    s = settings(permutations=99)
    now = _round(8, seed=5)  # cpp-a..h; cpp-g and cpp-h are new (two: safe to leave out)
    base = round_data(
        random_responses(np.random.default_rng(6), {f"cpp-{c}": 10 for c in "abcdefxy"}),
        round_="t-2024",
    )
    res = compute_round_tables(now, s, base=base)
    nat = res.national["national_change_themes"]
    assert list(nat["scope"].unique()) == ["all", "both_rounds"]
    both = nat[nat["scope"] == "both_rounds"].iloc[0]
    assert (both["n_cpps"], both["n_cpps_base"]) == (6, 6)
    allr = nat[nat["scope"] == "all"].iloc[0]
    assert (allr["n_cpps"], allr["n_cpps_base"]) == (8, 8)


def test_like_with_like_scope_is_withheld_when_it_would_reveal_one_cpp():
    s = settings(permutations=99)
    now = _round(6, seed=5)
    base = round_data(
        random_responses(np.random.default_rng(6), {f"cpp-{c}": 10 for c in "abcde"}),
        round_="t-2024",
    )  # exactly one CPP (cpp-f) only in the current round: all minus both = cpp-f
    nat = compute_round_tables(now, s, base=base).national["national_change_items"]
    assert set(nat["scope"]) == {"all"}


def test_national_theme_interval_is_cluster_robust():
    s = settings(permutations=99)
    data = _round(8, seed=7, size=10, shift={"cpp-a": -0.4, "cpp-b": 0.2, "cpp-c": -0.3})
    nat = compute_round_tables(data, s).national["national_themes"]
    assert (nat["deff"] > 0).all()
    pooling = suppression.cpp_pooling(data.n_by_cpp(), min_respondents=5)
    rt = data.theme_scores
    sub = rt[(rt["theme"] == "alpha") & rt["cpp"].isin(pooling.pooled)]
    import statsmodels.api as sm

    fit = sm.OLS(sub["score"].to_numpy(), np.ones(len(sub))).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(sub["cpp"])[0]}, use_t=True
    )
    lo, hi = 100 * fit.conf_int()[0]
    row = nat.set_index("theme").loc["alpha"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((max(lo, 0), min(hi, 100)), abs=1e-9)


def test_build_responses_helper_still_usable():
    assert len(build_responses({"x": [("p", "SA A D SD DK -")]})) == 6
