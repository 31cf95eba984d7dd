"""The national overview's headline numbers agree with an independent count of the data."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cpsa.config import load_round

pytestmark = pytest.mark.slow


def test_headline_respondent_count_matches_the_processed_data(planted_demo):
    cfg = load_round(planted_demo.round, planted_demo.paths)
    respondents = pd.read_parquet(
        planted_demo.paths.processed(planted_demo.round) / "respondents.parquet"
    )
    per_cpp = respondents.groupby("cpp").size()
    small = per_cpp[per_cpp < cfg.thresholds.min_respondents_report]
    # methodology §7: a lone CPP below the minimum is left out of every pooled figure
    assert len(small) == 1, "the demo round should have exactly one CPP below the minimum"
    expected = int(per_cpp.sum() - small.sum())
    html = planted_demo.report("national", "html").read_text()
    m = re.search(r"took part, with (\d+) board members answering", html)
    assert m, "the key messages no longer state how many members answered"
    assert int(m.group(1)) == expected
    assert f"{len(per_cpp)} of Scotland" in html
