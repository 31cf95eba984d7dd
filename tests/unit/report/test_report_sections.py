"""Issue 6: report content — sections, confidentiality, synthetic banner, alt text."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from helpers import notebook_run
from helpers.report_fixture import (
    BASELINE,
    CPPS,
    REAL_ROUND,
    ROUND,
    SMALL,
    planted,
    shared_project,
)

from cpsa.config import get_paths
from cpsa.data.reference import load_reference
from cpsa.pipeline.params import report_spec
from cpsa.report import md
from cpsa.report import text as t


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = shared_project(tmp_path_factory)
    mp = pytest.MonkeyPatch()
    mp.setenv("CPSA_ROOT", str(root))
    yield root
    mp.undo()


_TEXTS: dict[tuple[str, str], str] = {}


def cpp_text(cpp: str, round_: str = ROUND) -> str:
    """What the CPP's report shows: its notebook run on the fixture tables."""
    if (cpp, round_) not in _TEXTS:
        root = get_paths().root
        spec = report_spec(get_paths(), round_, cpp)
        blocks = notebook_run.run(
            root / spec.notebook.relative_to(root), {"round": round_, "cpp": cpp}
        )
        _TEXTS[(cpp, round_)] = "\n\n".join(b.strip("\n") for b in blocks if b.strip())
    return _TEXTS[(cpp, round_)]


def test_cpp_report_has_every_section(project):
    text = cpp_text("fife")
    for h in (
        "## Summary",
        "### Who took part",
        "### Main strengths",
        "### Main areas for improvement",
        "## Theme profile",
        "## Results by theme",
        f"## Change since {BASELINE}",
        "## Improvement planning",
        "## About this report",
        "### Provenance",
        "### Suppression rules",
        "#### What members said",
        "#### Where members are polarised",
        "## Where the board stands among the boards",
        "## Facilitator's guide",
    ):
        assert re.search(rf"^{re.escape(h)}$", text, re.M), h
    assert "Confidential to the Fife Community Planning Partnership board" in text
    # the printed plan: short headings with a key, so they never run together in the PDF
    for col in ("Action", "Lead", "Date", "Needs"):
        assert f"| {col} |" in text or f"| {col} " in text
    assert "Key:" in text
    # sections in order: among the boards after the theme profile, the guide before About
    order = [
        text.index(h)
        for h in (
            "## Theme profile",
            "## Where the board stands among the boards",
            "## Results by theme",
            "## Improvement planning",
            "## Facilitator's guide",
            "## About this report",
        )
    ]
    assert order == sorted(order)


def test_no_cpp_report_mentions_another_cpp(project):
    names = dict(zip(load_reference().cpps["slug"], load_reference().cpps["name"], strict=True))
    for cpp in CPPS:
        text = cpp_text(cpp)
        if cpp != SMALL:
            assert planted(cpp) in text
        for other in CPPS:
            if other != cpp:
                assert planted(other) not in text, f"{other}'s comments leak into {cpp}"
        for slug, name in names.items():
            if slug != cpp:
                assert not re.search(rf"\b{re.escape(name)}\b", text), f"{name} in {cpp}"


def test_synthetic_banner_exactly_when_synthetic(project):
    banner = "**Synthetic demonstration data.**"
    assert banner in cpp_text("fife", ROUND)
    assert banner not in cpp_text("fife", REAL_ROUND)


def test_short_report_says_why_and_shows_no_results(project):
    text = cpp_text(SMALL)
    assert report_spec(get_paths(), ROUND, SMALL).notebook.name == "cpp_withheld.ipynb"
    body = text[text.index("## Summary") : text.index("## About this report")]
    assert "Fewer than 5 board members answered" in body
    # the only number allowed is the threshold itself
    assert set(re.findall(r"\d+", body)) == {"5"}
    assert "%" not in body and "![" not in body


def test_every_image_has_alt_text_and_a_following_table(project):
    for text in (cpp_text("fife"),):
        blocks = text.split("\n\n")
        images = [i for i, b in enumerate(blocks) if b.lstrip().startswith("![")]
        assert images
        for i in images:
            alt = re.match(r"!\[([^\]]*)\]", blocks[i].strip()).group(1)
            assert len(alt) > 40 and re.search(r"\d+%", alt), alt
            nxt = "\n\n".join(blocks[i + 1 : i + 3])
            assert re.search(r"^\| .+ \|\n\| [:\-]", nxt, re.M), "no data table after figure"


def test_heading_levels_never_skip(project):
    for text in (cpp_text("fife"),):
        levels = [len(m) for m in re.findall(r"^(#+) ", text, re.M)]
        assert levels[0] == 2
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_percentages_round_half_up_and_points_are_signed():
    assert t.pct(72.5) == "73%" and t.pct(72.49) == "72%" and t.pct(None) == "not shown"
    assert t.points(-3.2) == "\u22123 points" and t.points(1.0) == "+1 point"
    assert t.listing(["a", "b", "c"]) == "a, b and c"


def test_table_escapes_cells_and_needs_a_row():
    out = md.table(["A", "B"], [("x|y", "*z*")])
    assert out.splitlines()[2] == "| x\\|y | \\*z\\* |"
    with pytest.raises(ValueError):
        md.table(["A"], [])
    with pytest.raises(ValueError):
        md.figure(b"<svg/>", alt=" ")


def test_table_rule_gives_pandoc_column_widths_that_fit_the_content():
    statement = (
        "Communities are involved in setting the partnership's priorities, not only consulted"
    )
    out = md.table(
        ["Statement", "95% interval", "Compared with the rest of Scotland"],
        [
            (statement, "44%–81%", "Significantly lower"),
            ("Short", "4%–8%", "Not told apart from chance"),
        ],
        align=["l", "r", "l"],
    )
    rule = out.splitlines()[1].strip("| ").split(" | ")
    widths = [len(r) for r in rule]
    assert rule[0].startswith(":-") and rule[1].endswith("-:")
    # the sentence column is widest, but capped; figures fit their widest value
    assert widths[0] == max(widths) and widths[0] < len(statement)
    assert widths[1] >= len("44%–81%") + 2
    # a text column is at least as wide as its longest (unbreakable) word
    assert widths[2] >= len("Significantly")
    # an empty column (to be filled in on paper) is wider than its header word
    plan = md.table(["Area", "Lead"], [(statement, None)], align=["l", "l"])
    lead = plan.splitlines()[1].strip("| ").split(" | ")[1]
    assert len(lead) > len("Lead") + 4


def test_cells_without_ids_render_without_an_nbformat_warning():
    # hand-made or older notebooks lack cell ids; nbformat would warn (an error here)
    from cpsa.render.html import render_html
    from cpsa.render.prepare import prepare

    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "## Summary\n\nText."},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": "r.summary()",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/markdown": "## Theme profile"},
                    }
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    prepared = prepare(nb, title="A report")
    ids = [c["id"] for c in prepared.notebook["cells"]]
    assert len(set(ids)) == len(ids) == 3
    assert "id" not in nb["cells"][0], "prepare must not change its input"
    html = render_html(prepared, subtitle="Round 1")
    assert '<h1 class="cpsa-title">A report</h1>' in html and "Theme profile" in html


def test_every_column_the_cpp_report_reads_is_declared_and_written(project):
    """Record each column the notebook's code reads from a table loaded through the schema."""
    import pandas as pd

    from cpsa.tables import schema

    seen: set[tuple[str, str]] = set()
    frame_get, series_get = pd.DataFrame.__getitem__, pd.Series.__getitem__

    def record(obj, key):
        table = obj.attrs.get("cpsa_table")
        if table and isinstance(key, str):
            seen.add((table, key))

    def df_get(self, key):
        record(self, key)
        return frame_get(self, key)

    def s_get(self, key):
        record(self, key)
        return series_get(self, key)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pd.DataFrame, "__getitem__", df_get)
        mp.setattr(pd.Series, "__getitem__", s_get)
        notebook_run.run(
            project / "notebooks" / "cpp_report.ipynb", {"round": ROUND, "cpp": "fife"}
        )
    tables = {name for name, _ in seen}
    assert {"by_cpp/items", "by_cpp/themes", "by_cpp/change_themes", "by_cpp/comments"} <= tables
    folder = project / "outputs" / ROUND / "tables" / "by_cpp" / "fife"
    for name, column in sorted(seen):
        assert column in schema.table(name).names, f"{name}.{column} is not in the schema"
        header = (folder / f"{name.removeprefix('by_cpp/')}.csv").read_text().splitlines()[0]
        assert column in header.split(","), f"{name}.{column} is not in the written table"
    assert ("by_cpp/themes", "rest_ci_low") in seen and ("by_cpp/items", "pct_positive") in seen


def test_rest_of_scotland_interval_is_drawn_and_tabled(project):
    from cpsa.report.cpp import load

    d = load(ROUND, "fife")
    board, rest = d.theme_estimates()
    assert all(e.low is not None and e.high is not None for e in rest[1])
    assert all(e.low <= e.value <= e.high for e in rest[1])
    text = cpp_text("fife")
    assert "| Rest of Scotland, 95% interval |" in text


def test_theme_score_is_named_for_what_it_is(project):
    text = cpp_text("fife")
    assert "mean share of agreement" in text
    profile = text[text.index("## Theme profile") : text.index("## Results by theme")]
    assert "% positive" not in profile and "\\% positive" not in profile


def test_participation_never_breaks_down_by_partner_type():
    from cpsa.report import sentences

    summary = {"n_respondents": 12, "members_invited": 19, "response_rate": 63.157895}
    text = sentences.participation(summary)
    assert text.startswith("12 of the 19 board members invited answered the survey")
    assert "(a response rate of 63%)" in text
    assert "Numbers by partner type are not shown in board reports" in text
    alone = sentences.participation({"n_respondents": 1, "members_invited": None})
    assert alone.startswith("1 board member answered the survey.")


def test_data_dependent_sentences():
    from cpsa.report import sentences

    none = sentences.theme_difference([], [], ["Leadership", "Impact"], [21.6, 24.4])
    assert "On every theme, the difference from the rest of Scotland could not be told " in none
    assert "only a difference of about 22 to 24 points or more would reliably be detected" in none
    both = sentences.theme_difference(["Leadership"], ["Impact", "Governance"], ["Vision"], [20])
    assert "higher than the rest of Scotland on Leadership." in both
    assert "lower than the rest of Scotland on Impact and Governance." in both
    assert "On the other themes, the difference" in both and "about 20 points" in both
    assert "not compared" in sentences.theme_difference([], [], compared=False)
    assert "could not be told apart from chance" in sentences.theme_difference_alt([], [])
    assert not BANNED.search(sentences.theme_difference_alt([], []))
    assert "first round" in sentences.no_change_reason(None, False)
    assert "did not take part in the demo-2029 round" in sentences.no_change_reason(
        "demo-2029", False
    )
    assert sentences.no_change_reason("demo-2029", True) is None
    flat = sentences.change_headline("demo-2029", True, [], [], [25.2])
    assert "the change on any theme could not be told apart from chance" in flat
    assert "about 25 points" in flat
    up = sentences.change_headline("demo-2029", True, ["Impact"], ["Leadership"])
    assert up.startswith("Since demo-2029, results improved on Impact. Results fell on Leadership.")
    assert "the other themes could not be told apart from chance" in up
    for text in (none, both, flat, up):
        assert not re.search(r"no (clear )?(difference|change)|has not changed", text, re.I)
    assert "are not in the national figures" in sentences.too_few(5, in_pooled_figures=False)
    assert "are part of the national figures" in sentences.too_few(5, in_pooled_figures=True)
    assert "No statements met the rule for strengths" in sentences.area_list((), "strengths")
    assert sentences.comments({"strengths": [], "improvements": []}).startswith("No comments")


BANNED = re.compile(
    r"no (clear |significant |real )?(difference|change)|does not differ|did not differ|"
    r"has not changed|no theme differs|the same as the rest|within the range we would expect|"
    r"range the true figure probably lies in",
    re.I,
)
SIGNED = r"([+\u2212]?\d+)"


def _n(x: str) -> int:
    return int(x.replace("\u2212", "-").replace("+", ""))


def test_cpp_report_wording_says_only_what_the_numbers_support(project):
    """Issue 12: no "no difference"; every verdict with an interval excluding 0; counts < 10."""
    for round_ in (ROUND, REAL_ROUND):
        text = cpp_text("fife", round_)
        assert not BANNED.search(text), BANNED.search(text).group(0)
        # every higher/lower verdict sentence carries a difference interval that excludes 0
        verdicts = re.findall(
            rf"(higher|lower) than the rest of Scotland: \d+%; difference {SIGNED} points? "
            rf"\(95% interval {SIGNED} to {SIGNED} points\)",
            text,
        )
        for word, _, lo, hi in verdicts:
            assert (_n(lo) > 0) if word == "higher" else (_n(hi) < 0)
        n_verdict_lines = len(re.findall(r"^- .+: \d+% \(95% interval", text, re.M))
        if round_ == ROUND:
            assert n_verdict_lines >= 1  # the theme verdicts are shown, each with an interval
        # in the tables, a significant row's difference interval excludes 0
        for row in re.findall(r"^\|.* Significantly (?:higher|lower) \|$", text, re.M):
            m = re.search(rf"{SIGNED} points? \({SIGNED} to {SIGNED}\)", row)
            assert m, row
            lo, hi = _n(m.group(2)), _n(m.group(3))
            assert lo > 0 or hi < 0, row
    # counts, not percentages, when fewer than 10 gave a view
    items = pd.read_csv(get_paths().tables(ROUND) / "by_cpp" / "fife" / "items.csv")
    small = items[(items["n_valid"] < 10) & items["pct_positive"].notna()]
    text = cpp_text("fife")
    for _, r in small.iterrows():
        assert f"| {int(r['n_valid'])} | {int(r['n_positive'])} of {int(r['n_valid'])} |" in text


def test_withheld_report_says_truthfully_where_its_answers_went(project):
    """Issue 12: a CPP below the minimum never claims its answers are in figures they are not."""
    summary = json.loads(
        (get_paths().tables(ROUND) / "by_cpp" / SMALL / "summary.json").read_text()
    )
    text = cpp_text(SMALL)
    body = text[text.index("## Summary") : text.index("## About this report")]
    assert summary["report_allowed"] is False
    if summary["in_pooled_figures"]:
        assert "are part of the national figures" in body
    else:
        assert "are not in the national figures" in body
        assert not re.search(r"(still|are) part of the national figures", text)


def test_missing_knows_every_kind_of_blank():
    import pandas as pd

    # a blank Int64/Float64 cell of a schema-read table is pd.NA, not NaN
    assert all(t.missing(x) for x in (None, float("nan"), pd.NA))
    assert not any(t.missing(x) for x in (0, 0.0, "0"))
