"""Comment topics: seeded and reproducible, counted without quoting, labels an analyst can set."""

from __future__ import annotations

import pandas as pd
import pytest

from cpsa.errors import ConfigError
from cpsa.stats import topics

THEMES = ("engagement", "evidence", "leadership")
SUBJECTS = {
    "engagement": ["locality forums", "participatory budgeting"],
    "evidence": ["strategic assessment", "data sharing"],
    "leadership": ["shared vision", "meeting attendance"],
}
TEMPLATES = ["Good progress on {s} this year.", "We need to do more on {s}.",
             "Real commitment to {s} from partners.", "{s} is much better now."]  # fmt: skip
CPPS = [f"cpp-{i}" for i in range(8)]
PLANTED = "ZQPLANTEDWORD"


def _comments() -> pd.DataFrame:
    rows = []
    for theme, subjects in SUBJECTS.items():
        for i in range(48):
            s = subjects[i % 2]
            text = TEMPLATES[(i // 2) % 4].format(s=s)
            rows.append(
                {"cpp": CPPS[(i // 2) % 8], "theme": theme, "kind": "strengths", "text": text}
            )
    rows[0]["text"] += f" Ask {PLANTED} in Fife about it."
    return pd.DataFrame(rows)


SETTINGS = topics.TopicSettings(n_topics=2, seed=1, min_comments=5, min_cpps=5)


def test_topics_found_counted_and_reproducible():
    a = topics.comment_topics(_comments(), themes=THEMES, settings=SETTINGS, stop_names=["Fife"])
    b = topics.comment_topics(_comments(), themes=THEMES, settings=SETTINGS, stop_names=["Fife"])
    pd.testing.assert_frame_equal(a, b)
    eng = a[(a["theme"] == "engagement") & (a["topic"] > 0)]
    assert sorted(eng["n_comments"].tolist()) == [24, 24]
    labels = " ".join(eng["terms"])
    assert "locality forums" in labels and "participatory budgeting" in labels


def test_no_comment_text_and_no_rare_or_name_words_reach_the_table():
    out = topics.comment_topics(_comments(), themes=THEMES, settings=SETTINGS, stop_names=["Fife"])
    flat = out.astype(str).to_string().lower()
    assert PLANTED.lower() not in flat and "fife" not in flat
    for template in TEMPLATES:
        assert template.split("{")[0].strip().lower() not in flat or not template.split("{")[0]
    # the planted comment is still counted under its topic
    assert out.loc[out["theme"] == "engagement", "n_comments"].sum() == 48


def test_generic_phrasing_used_in_most_themes_is_not_a_topic():
    out = topics.comment_topics(_comments(), themes=THEMES, settings=SETTINGS)
    assert not out["terms"].str.contains("good progress|partners|commitment").any()


def test_small_topics_are_suppressed():
    strict = topics.TopicSettings(n_topics=2, seed=1, min_comments=5, min_cpps=9)
    out = topics.comment_topics(_comments(), themes=THEMES, settings=strict)
    shown = out[out["topic"] > 0]
    assert shown["suppressed"].all() and shown["n_comments"].isna().all()


def test_analyst_labels_are_used_when_the_terms_still_match(tmp_path):
    first = topics.comment_topics(_comments(), themes=THEMES, settings=SETTINGS)
    file = tmp_path / "topics.yaml"
    text = topics.template(first).replace(
        'label: "Participatory budgeting"', 'label: "Participatory budgeting!"'
    )
    text += (
        '  - theme: engagement\n    kind: strengths\n    terms: "old; terms"\n    label: "Stale"\n'
    )
    file.write_text(text)
    n, labels = topics.load_labels(file)
    assert n is None and len(labels) == len(first[first["topic"] > 0]) + 1
    out = topics.comment_topics(
        _comments(), themes=THEMES, settings=topics.TopicSettings(
            n_topics=2, seed=1, min_comments=5, min_cpps=5, labels=labels)
    )  # fmt: skip
    assert "Participatory budgeting!" in set(out["label"])
    assert "Stale" not in set(out["label"])
    assert (out.loc[out["label"] == "Participatory budgeting!", "label_source"] == "analyst").all()


def test_bad_topics_file_is_a_config_error(tmp_path):
    file = tmp_path / "topics.yaml"
    file.write_text("labels:\n  - theme: x\n")
    with pytest.raises(ConfigError, match="needs theme, kind, terms and label"):
        topics.load_labels(file)


def test_too_few_comments_give_no_topic_rather_than_an_error():
    few = _comments().head(3)
    out = topics.comment_topics(few, themes=THEMES, settings=SETTINGS)
    assert out["topic"].tolist() == [0] and out["n_comments"].tolist() == [3]
