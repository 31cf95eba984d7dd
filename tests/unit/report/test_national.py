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
            "p10": [60.0, 40.0],
            "p90": [80.0, 90.0],
            "n_higher": [1, 0],
            "n_lower": [0, 2],
        }
    )


def test_variation_sentence_uses_percentiles_and_is_withheld_below_the_minimum():
    s = nat.variation_sentence(_variation(10), min_cpps=5)
    assert "vary most on Impact" in s and "between 40% and 90%" in s
    assert "least on Leadership (60% to 80%)" in s
    assert "Of 20 partnership theme scores, 1 is significantly above" in s
    hidden = nat.variation_sentence(_variation(4), min_cpps=5)
    assert "not shown" in hidden and "%" not in hidden


def test_partner_sentence_names_only_significant_differences():
    assert "No partner type" in nat.partner_sentence([])
    s = nat.partner_sentence([("NHS board", "Leadership", "lower")])
    assert s == "NHS board rated Leadership significantly lower than other partner types."


def test_change_sentence_states_the_sets_of_partnerships_compared():
    s = nat.change_sentence(
        baseline="2024", up=["Impact"], down=[], n_baseline=20, n_current=23, n_both=19
    )
    assert "rose clearly on Impact" in s
    assert "20 partnerships took part in 2024 and 23 in this round; 19 were reported in both" in s
    none = nat.change_sentence(
        baseline="2024", up=[], down=[], n_baseline=None, n_current=None, n_both=None
    )
    assert none.startswith("No theme score changed")


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
