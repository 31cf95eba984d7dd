"""Issue 14: where the board stands among the boards (by_cpp/<slug>/benchmark.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpsa.tables.benchmark import (
    ALL,
    COLUMNS,
    cpp_benchmark,
    percentile_among,
    quarter_of,
)

THEMES = ("a", "b")


def _themes(scores: dict[str, float], *, half_width: float = 5.0, suppressed=()) -> pd.DataFrame:
    rows = []
    for cpp, score in scores.items():
        for k, theme in enumerate(THEMES):
            s = score + k
            rows.append(
                {
                    "cpp": cpp,
                    "theme": theme,
                    "n_respondents": 10,
                    "score": np.nan if cpp in suppressed else s,
                    "sd": 20.0,
                    "ci_low": s - half_width,
                    "ci_high": s + half_width,
                    "suppressed": cpp in suppressed,
                }
            )
    return pd.DataFrame(rows)


def test_percentile_and_quarter():
    others = np.array([10.0, 20.0, 30.0, 40.0])
    assert percentile_among(25.0, others) == 50.0
    assert percentile_among(20.0, others) == 37.5  # a tie counts half
    assert quarter_of(100.0) == 1 and quarter_of(75.0) == 1
    assert quarter_of(60.0) == 2 and quarter_of(30.0) == 3 and quarter_of(0.0) == 4


def test_position_and_uncertainty_among_all_boards():
    scores = {f"c{i:02d}": float(10 * i) for i in range(1, 10)}  # 10..90
    t = cpp_benchmark(_themes(scores), "c09", themes=THEMES, min_reported_cpps=5)
    assert list(t.columns) == list(COLUMNS)
    row = t[(t["theme"] == "a") & (t["comparison"] == ALL)].iloc[0]
    assert row["n_boards"] == 8 and bool(row["shown"])
    assert row["percentile"] == 100.0 and row["quarter"] == 1
    assert row["boards_median"] == pytest.approx(45.0)
    # a wide interval is stated as uncertain: the quarters it spans
    wide = cpp_benchmark(
        _themes(scores, half_width=40), "c05", themes=THEMES, min_reported_cpps=5
    ).iloc[0]
    assert wide["quarter_best"] == 1 and wide["quarter_worst"] == 4


def test_too_few_boards_shows_nothing():
    scores = {f"c{i}": float(10 * i) for i in range(1, 5)}  # 3 other boards
    t = cpp_benchmark(_themes(scores), "c1", themes=THEMES, min_reported_cpps=5)
    assert not t["shown"].any()
    assert t[["boards_median", "percentile", "quarter"]].isna().all().all()


def test_unreported_board_gets_header_only():
    scores = {f"c{i}": float(10 * i) for i in range(1, 9)}
    t = cpp_benchmark(_themes(scores, suppressed=("c1",)), "c1", themes=THEMES)
    assert t.empty and list(t.columns) == list(COLUMNS)
    # a suppressed board never counts among the others
    t2 = cpp_benchmark(_themes(scores, suppressed=("c1",)), "c2", themes=THEMES)
    assert t2["n_boards"].iloc[0] == 6


def test_comparison_group_pooled_and_never_below_the_minimum():
    scores = {f"c{i:02d}": float(50 + i) for i in range(1, 17)}  # 16 boards
    themes = _themes(scores)
    group = [f"c{i:02d}" for i in range(1, 8)]  # 7 members: 6 others of c01
    t = cpp_benchmark(themes, "c01", themes=THEMES, groups=[("Urban", group)], min_reported_cpps=5)
    g = t[t["comparison"] == "Urban"].iloc[0]
    assert bool(g["shown"]) and g["n_boards"] == 6
    assert g["group_score"] == pytest.approx(np.mean([52, 53, 54, 55, 56, 57]))
    assert g["group_n_respondents"] == 60
    assert g["diff_ci_low"] < g["diff_pp"] < g["diff_ci_high"]
    assert g["significance"] in ("higher", "lower", "similar")
    # 4 other members: too few, nothing shown
    small = cpp_benchmark(
        themes, "c01", themes=THEMES, groups=[("Small", group[:5])], min_reported_cpps=5
    )
    s = small[small["comparison"] == "Small"].iloc[0]
    assert not s["shown"] and np.isnan(s["group_score"])
    # a group that leaves 1-4 boards outside would reveal them by difference with Scotland
    most = [f"c{i:02d}" for i in range(1, 14)]  # 3 reported boards outside
    m = cpp_benchmark(themes, "c01", themes=THEMES, groups=[("Most", most)], min_reported_cpps=5)
    assert not m[m["comparison"] == "Most"]["shown"].any()
    # a board outside a group gets no row for it
    out = cpp_benchmark(themes, "c16", themes=THEMES, groups=[("Urban", group)])
    assert set(out["comparison"]) == {ALL}


def test_no_other_board_is_named():
    scores = {f"board{i}": float(10 * i) for i in range(1, 9)}
    t = cpp_benchmark(_themes(scores), "board3", themes=THEMES)
    text = t.to_csv(index=False)
    assert not any(f"board{i}" in text for i in range(1, 9))


def test_other_boards_quartiles_are_rounded_so_no_board_s_score_is_given_back():
    scores = {f"c{i:02d}": 10.0 * i + 1.3 for i in range(1, 7)}  # 11.3 .. 61.3
    row = cpp_benchmark(_themes(scores), "c06", themes=THEMES, min_reported_cpps=5).iloc[0]
    # the five other boards' exact median is c03's 31.3: published only to 5 points
    assert row["boards_median"] == 30.0
    assert all(row[c] % 5 == 0 for c in ("boards_q25", "boards_median", "boards_q75"))
