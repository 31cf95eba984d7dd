"""The national overview, its technical report and its release, checked against the tables."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

from cpsa.config import load_round
from cpsa.report.national import long_date

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
    summary = text[text.index("Key findings") : text.index("About these statistics")]
    assert f"{len(per_cpp)} of Scotland's 32 Community Planning Partnerships took part" in summary
    assert f"{len(respondents)} board members answered" in summary
    assert f"the {counted} members of the" in summary


def test_summary_states_best_theme_variation_and_partner_types_from_the_tables(planted_demo):
    text = _html(planted_demo, "national")
    summary = text[text.index("Key findings") : text.index("About these statistics")]
    themes = _table(planted_demo, "national_themes")
    best = themes.loc[themes["score"].idxmax()]
    assert f"({int(best['score'] + 0.5)}%)" in summary
    var = _table(planted_demo, "variation_themes")
    wide = var.loc[(var["score_p90"] - var["score_p10"]).idxmax()]
    assert f"between {int(wide['score_p10'] + 0.5)}% and {int(wide['score_p90'] + 0.5)}%" in summary
    pt = _table(planted_demo, "partner_types")
    if not pt["significance"].isin(["higher", "lower"]).any():
        assert "No partner type rated any theme significantly differently" in summary
    for heading in ("What works well", "What needs improving", "How much boards vary",
                    "Partner types", "Change since the baseline"):  # fmt: skip
        assert heading in summary


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


def test_release_has_every_table_and_a_workbook(planted_demo):
    release = planted_demo.paths.round_outputs(planted_demo.round) / "release"
    wb = openpyxl.load_workbook(release / "national-tables.xlsx")
    assert wb.sheetnames[:2] == ["Contents", "Notes"]
    csvs = sorted(p.name for p in release.glob("*.csv"))
    assert "national_items.csv" in csvs and "cpp_items.csv" not in csvs
