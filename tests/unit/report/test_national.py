"""The national overview's data-dependent sentences (the prose is in the notebook)."""

from __future__ import annotations

import pandas as pd

from cpsa.report import national as nat


def test_publication_date_is_written_out_from_the_config_string():
    assert nat.long_date("2026-03-31") == "31 March 2026"


def test_participation_sentence_states_who_is_counted():
    s = nat.participation_sentence(24, 32, 243, 393, n_reported=23, n_counted=240)
    assert s.startswith("24 of Scotland's 32 Community Planning Partnerships took part: 243")
    assert "393 invited (62%)" in s and "the 240 members of the 23 partnerships" in s
    full = nat.participation_sentence(3, 32, 30, None, n_reported=3, n_counted=30)
    assert "national figures" not in full and full.endswith("answered.")


def _variation(n_cpps: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Leadership", "Impact"],
            "n_cpps": [n_cpps, n_cpps],
            "q25": [65.0, 45.0] if n_cpps >= 5 else [None, None],
            "median": [70.0, 60.0] if n_cpps >= 5 else [None, None],
            "q75": [75.0, 80.0] if n_cpps >= 5 else [None, None],
            "n_higher": [1, 0],
            "n_lower": [0, 2],
            "n_tests_family": [2 * n_cpps, 2 * n_cpps],
        }
    )


def test_variation_sentence_uses_rounded_quartiles_states_the_family_and_is_withheld():
    s = nat.variation_sentence(_variation(10), min_cpps=5)
    assert "vary most on Impact" in s and "middle half of partnerships score between 45% and 80%"
    assert "least on Leadership (65% to 75%)" in s and "rounded to the nearest 5%" in s
    assert "Of the 20 comparisons" in s and "one Benjamini–Hochberg family" in s
    assert "1 is significantly above and 2 significantly below" in s
    assert "could not be told apart from chance" in s and "percentile" not in s
    hidden = nat.variation_sentence(_variation(4), min_cpps=5)
    assert "not shown" in hidden and "%" not in hidden


def test_partner_sentence_names_only_significant_differences():
    none = nat.partner_sentence([])
    assert "could not be told apart from chance" in none and "no difference" not in none.lower()
    assert nat.partner_sentence(["A: x.", "B: y."]) == "A: x. B: y."


def _change(sig: str, low: float, high: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Impact", "Leadership"],
            "n_cpps": [19, 19],
            "n_cpps_base": [19, 19],
            "diff": [6.2, -1.4],
            "diff_ci_low": [low, -5.0],
            "diff_ci_high": [high, 2.1],
            "significance": [sig, "similar"],
        }
    )


def test_change_summary_states_the_partnerships_compared_with_estimate_and_interval():
    s = nat.change_summary(_change("higher", 1.0, 11.4), baseline="2024", scope_words="Over X")
    assert s.startswith("Over X (19 partnerships in 2024, 19 in this round): Impact rose")
    assert "+6 points; 95% interval +1 to +11 points" in s
    assert "the change in 1 other theme could not be told apart from chance" in s
    none = nat.change_summary(_change("similar", -1.0, 13.0), baseline="2024", scope_words="Over X")
    assert (
        "no theme's change could be told apart from chance (changes from −1 point to +6 points)"
        in none
    )
    for text in (s, none):
        assert "no change" not in text.lower() and "no difference" not in text.lower()


def test_detectable_change_is_the_80_percent_power_size_from_the_interval():
    # half-width 10 points: (1.96 + 0.84) / 1.96 x 10 = 14.3 points
    assert abs(nat.detectable_change(-10.0, 10.0) - 14.294) < 0.01
    assert nat.detectable_change(None, 3.0) is None


def test_topics_sentence_counts_without_quoting():
    topics = pd.DataFrame(
        {
            "kind": ["strengths", "strengths", "improvements"],
            "topic": [1, 0, 1],
            "label": ["Locality forums", "No recurring topic", "Board papers"],
            "n_comments": [12, 3, 7],
            "n_cpps": [6, 2, 5],
            "suppressed": [False, False, True],
        }
    )
    s = nat.topics_sentence(topics)
    assert s == (
        "On what works well, the most common topic was “Locality forums” "
        "(12 comments from 6 partnerships)."
    )


def test_technical_report_methods_follow_the_methodology_sections():
    outline = nat.methodology_outline()
    titles = [t for _, t in outline]
    assert titles[0] == "1. Data" and "11. Limitations" in titles
    assert any(t.startswith("4.5 ") for t in titles)  # subsections are listed
    assert not any("published tables" in t or t == "References" for t in titles)
    bullets = nat.methodology_bullets()
    assert bullets.count("\n") == len(outline) - 1 and "  - 4.3 Change since" in bullets
