"""The national overview, its technical report and its release, checked against the tables."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

from cpsa.config import load_round
from cpsa.data.reference import load_reference
from cpsa.report.national import long_date, methodology_outline

pytestmark = pytest.mark.slow


def _html(build, name: str) -> str:
    text = build.report(name, "html").read_text()
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&#x27;", "'").split())


def _markdown(build, name: str) -> str:
    nb = json.loads((build.paths.executed_notebooks(build.round) / f"{name}.ipynb").read_text())
    return "\n".join(
        "".join(o["data"]["text/markdown"])
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ) + "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _section(text: str, heading: str, next_heading: str) -> str:
    """The text from ``heading`` to ``next_heading`` in the body (after the contents list)."""
    start = text.rindex(heading)
    return text[start : text.index(next_heading, start)]


def _table(build, name: str) -> pd.DataFrame:
    return pd.read_csv(build.paths.tables(build.round) / f"{name}.csv")


def test_summary_states_participation_against_the_processed_data(planted_demo):
    respondents = pd.read_parquet(
        planted_demo.paths.processed(planted_demo.round) / "respondents.parquet"
    )
    cfg = load_round(planted_demo.round, planted_demo.paths)
    per_cpp = respondents.groupby("cpp").size()
    counted = int(per_cpp[per_cpp >= cfg.thresholds.min_respondents_report].sum())
    text = _html(planted_demo, "national")
    summary = _section(text, "Key findings", "About these statistics")
    n_total = len(load_reference(planted_demo.paths).cpps)
    assert (
        f"{len(per_cpp)} of Scotland's {n_total} Community Planning Partnerships took part"
    ) in summary
    assert f"{len(respondents)} board members answered" in summary
    if counted < len(respondents):  # the exclusion and its effect are stated
        assert f"{len(respondents)} board members answered; {counted} are in the national " in (
            summary
        )


def test_summary_states_best_theme_variation_and_partner_types_from_the_tables(planted_demo):
    text = _html(planted_demo, "national")
    summary = _section(text, "Key findings", "About these statistics")
    themes = _table(planted_demo, "national_themes")
    best = themes.loc[themes["score"].idxmax()]
    assert f"({int(best['score'] + 0.5)}%)" in summary
    var = _table(planted_demo, "variation_themes").dropna(subset=["score_q25", "score_q75"])
    spread = var["score_q75"] - var["score_q25"]
    if spread.max() > spread.min():
        wide = var.loc[spread.idxmax()]
        assert (
            f"between {int(wide['score_q25'] + 0.5)}% and {int(wide['score_q75'] + 0.5)}%"
        ) in summary
    assert f"Of the {int(var['n_tests_family'].max())} comparisons" in summary
    assert "Benjamini–Hochberg family" in summary
    pt = _table(planted_demo, "partner_types")
    shown = pt[~pt["suppressed"].astype(bool)]
    if not shown["significance"].isin(["higher", "lower"]).any():
        assert "could not be told apart from chance, once the number of comparisons" in summary
    else:  # every gap printed is the difference of the two rounded figures it sits beside
        for a, b, gap in re.findall(
            r"(\d+)% against (\d+)% for all other members \((\d+) points", summary
        ):
            assert abs(int(a) - int(b)) == int(gap)
    for heading in ("What works well", "What needs improving", "How much boards vary",
                    "Partner types", "Change since the baseline"):  # fmt: skip
        assert heading in summary


def test_change_shows_both_scopes_and_no_sentence_claims_no_change(planted_demo):
    text = _html(planted_demo, "national")
    for wrong in ("no change", "no difference", "No change", "No difference"):
        assert wrong not in text
    change = _table(planted_demo, "national_change_themes")
    if change.empty:
        return
    summary = _section(text, "Key findings", "About these statistics")
    for scope, words in (
        ("both_rounds", "Over the partnerships reported in both rounds, like with like"),
        ("all", "Over all reported partnerships"),
    ):
        rows = change[change["scope"] == scope]
        if rows.empty:
            continue
        n_base, n_now = int(rows["n_cpps_base"].max()), int(rows["n_cpps"].max())
        assert f"{words} ({n_base} partnerships in " in summary
        assert f", {n_now} in this round)" in summary
    assert "95% interval" in text


def test_publication_details_come_from_the_round_config(planted_demo):
    cfg = load_round(planted_demo.round, planted_demo.paths)
    text = _html(planted_demo, "national")
    assert f"Published {long_date(cfg.publication.date)}" in text
    assert cfg.publication.contact.split("(")[1].rstrip(")") in text
    for words in ("Status.", "Revisions.", "technical-report.html"):
        assert words in text


def test_participating_cpps_are_listed_with_counts_of_people_only(planted_demo):
    text = _html(planted_demo, "national")
    part = _table(planted_demo, "participation_cpps")
    for slug, invited, answered in part[["cpp", "members_invited", "n_respondents"]].itertuples(
        index=False
    ):
        assert f"{planted_demo.names[slug]}: {answered} of {invited} invited" in text


def test_no_git_hash_package_list_or_repository_path_in_the_public_overview(planted_demo):
    for ext in ("html",):
        text = planted_demo.report("national", ext).read_text()
        assert not re.search(r"\b[0-9a-f]{40}\b", text), "a git commit in the public overview"
        assert "Package numpy" not in text and "docs/methodology.md" not in text
    assert "technical report" in _html(planted_demo, "national")


def test_a_likert_chart_per_theme(planted_demo):
    md = _markdown(planted_demo, "national")
    themes = _table(planted_demo, "national_themes")
    charts = re.findall(r"!\[Diverging bar chart of the \d+ statements of ([^.]+)\.", md)
    assert len(charts) == len(themes)


def test_no_verbatim_comment_while_its_topic_is_counted(planted_demo):
    for name in ("national", "technical-report"):
        assert "ZQMARK" not in planted_demo.report(name, "html").read_text()
    release = planted_demo.paths.round_outputs(planted_demo.round) / "release"
    for f in release.glob("*.csv"):
        assert "ZQMARK" not in f.read_text(), f.name
    topics = _table(planted_demo, "comment_topics")
    counts = _table(planted_demo, "comment_counts")
    # every comment (planted ones included) is counted once under a topic or "no topic"
    got = topics.groupby(["theme", "kind"])["n_comments"].sum(min_count=1)
    want = counts.set_index(["theme", "kind"])["n_comments"]
    complete = topics.groupby(["theme", "kind"])["suppressed"].sum() == 0
    assert complete.any()
    assert (got[complete] == want.reindex(got[complete].index)).all()


def test_technical_report_figures_match_the_tables(planted_demo):
    text = _html(planted_demo, "technical-report")
    part = _table(planted_demo, "participation")
    all_ = part[part["group"] == "all"].iloc[0]
    assert f"Partnerships reported {int(all_['n_cpps_reported'])}" in text
    assert f"Board members counted in national figures {int(all_['n_respondents'])}" in text
    manifest = json.loads(
        (planted_demo.paths.processed(planted_demo.round) / "manifest.json").read_text()
    )
    assert manifest["sha256"] in text
    assert re.search(r"\b[0-9a-f]{40}\b", text), "the technical report gives the code version"
    assert "Package numpy" in text
    answered = int(_table(planted_demo, "participation_cpps")["n_respondents"].sum())
    assert f"Board members who answered (all participating partnerships) {answered}" in text
    # the methods follow the methodology document's sections
    words = " ".join(re.sub(r"&[#\w]+;", " ", text).split())
    words = re.sub(r"\W+", " ", words)
    for _, title in methodology_outline():
        assert re.sub(r"\W+", " ", title).strip() in words, title


def test_release_has_every_table_and_a_workbook(planted_demo):
    release = planted_demo.paths.round_outputs(planted_demo.round) / "release"
    wb = openpyxl.load_workbook(release / "national-tables.xlsx")
    assert wb.sheetnames[:2] == ["Contents", "Notes"]
    csvs = sorted(p.name for p in release.glob("*.csv"))
    assert "national_items.csv" in csvs and "cpp_items.csv" not in csvs
