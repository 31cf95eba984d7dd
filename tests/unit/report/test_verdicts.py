"""Wording functions: verdicts with intervals, detectable differences, counts, headlines."""

import numpy as np
import pytest
from scipy import stats

from cpsa.report import verdicts as v

BANNED = ("no difference", "no change", "the same as")


def test_verdict_always_carries_estimate_and_interval():
    s = v.verdict_sentence(
        "Leadership", 64.2, 44.1, 83.9, comparison="the rest of Scotland",
        comparison_value=82.0, diff=-17.8, diff_low=-38.0, diff_high=-2.1,
        significance="lower",
    )  # fmt: skip
    assert s.startswith("Leadership: 64% (95% interval 44% to 84%), lower than")
    assert "difference −18 points (95% interval −38 to −2 points)" in s


def test_a_verdict_never_contradicts_its_interval():
    # a "lower" verdict beside an interval including 0 is worded as not detected
    s = v.verdict_sentence(
        "Leadership", 64, 44, 84, comparison="the rest of Scotland", comparison_value=82,
        diff=-18, diff_low=-38, diff_high=2, significance="lower", detectable=21.6,
    )  # fmt: skip
    assert "lower than" not in s and "could not be told apart from chance" in s
    assert "about 22 points" in s
    assert not any(b in s.lower() for b in BANNED)


def test_change_sentence_names_both_member_counts_and_never_says_no_change():
    s = v.change_sentence(
        "Governance", 70, 72, n_now=9, n_base=11, diff=-2, diff_low=-20, diff_high=16,
        significance="similar", baseline="2024", detectable=25,
    )  # fmt: skip
    assert "9 members answered" in s and "11 members" in s and "95% interval −20 to +16" in s
    assert not any(b in s.lower() for b in BANNED)


def test_counts_instead_of_percentages_below_ten():
    assert v.share(7, 8) == "7 of 8"
    assert v.share(7, 10) == "70%"
    assert v.share(0, 0) == "—"


def test_detectable_difference_pct_has_the_stated_power():
    """Simulation: at the detectable drop the (unpooled z) test rejects ~80% of the time."""
    n, big, p0 = 10, 230, 0.75
    d = v.detectable_difference_pct(n, big, p0) / 100
    rng = np.random.default_rng(1)
    k1 = rng.binomial(n, p0 - d, 40000)
    k0 = rng.binomial(big, p0, 40000)
    p1, q0 = k1 / n, k0 / big
    se = np.sqrt((p0 - d) * (1 - p0 + d) / n + p0 * (1 - p0) / big)
    power = np.mean(np.abs(p1 - q0) / se > stats.norm.ppf(0.975))
    assert power == pytest.approx(0.8, abs=0.05)
    # the corrected methodology figure: ~42 points for a statement at 75% positive, n = 10
    assert 38 < d * 100 < 46


def test_detectable_difference_mean_has_the_stated_power():
    n, big, sd = 10, 230, 22.0
    d = v.detectable_difference_mean(n, sd, big, sd)
    rng = np.random.default_rng(2)
    x = rng.normal(70 - d, sd, (20000, n))
    y = rng.normal(70, sd, (20000, big))
    power = np.mean(stats.ttest_ind(x, y, axis=1, equal_var=False).pvalue < 0.05)
    assert power == pytest.approx(0.8, abs=0.03)
    assert 19 < d < 25  # a theme: ~22 points, not "35-40"


def test_partner_type_headline_names_only_significant_and_gaps_add_up():
    rows = [
        {"label": "Councillors", "score": 82.4, "others_score": 74.5, "diff_ci_low": 2.0,
         "diff_ci_high": 14.0, "significance": "higher"},
        {"label": "Police", "score": 70.0, "others_score": 78.0, "diff_ci_low": -19.0,
         "diff_ci_high": 3.0, "significance": "similar"},
        {"label": "Fire", "score": 60.0, "others_score": 78.0, "diff_ci_low": -30.0,
         "diff_ci_high": 1.0, "significance": "lower"},  # interval includes 0: not named
    ]  # fmt: skip
    s = v.partner_type_headline(rows, theme="Leadership")
    assert "Councillors 82% against 75% for all other members (7 points higher" in s
    assert "Police" not in s and "Fire" not in s
    none = v.partner_type_headline(rows[1:], theme="Leadership")
    assert "could not be told apart" in none


def test_exclusion_sentence():
    s = v.exclusion_sentence(243, 240, "Orkney Islands had fewer than 5 respondents")
    assert s.startswith("243 board members answered; 240 are in the national figures because")
    assert "all are in" in v.exclusion_sentence(10, 10, "")
