"""Issue 6: report content — sections, confidentiality, synthetic banner, alt text."""

from __future__ import annotations

import re

import pytest
from helpers.report_fixture import (
    BASELINE,
    CPPS,
    REAL_ROUND,
    ROUND,
    SMALL,
    planted,
    shared_project,
)

from cpsa.data.reference import load_reference
from cpsa.report import CppReport, md
from cpsa.report import text as t

CPP_SECTIONS = (
    "cover",
    "summary",
    "theme_profile",
    "themes",
    "change",
    "improvement_planning",
    "about",
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = shared_project(tmp_path_factory)
    mp = pytest.MonkeyPatch()
    mp.setenv("CPSA_ROOT", str(root))
    yield root
    mp.undo()


def cpp_text(cpp: str, round_: str = ROUND) -> str:
    r = CppReport.load(
        round=round_,
        cpp=cpp,
        tables_dir=f"outputs/{round_}/tables/by_cpp/{cpp}",
        synthetic=round_ == ROUND,
        baseline=BASELINE if round_ == ROUND else None,
    )
    return "\n".join(getattr(r, m)().data for m in CPP_SECTIONS)


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
        "#### Where members are divided",
    ):
        assert re.search(rf"^{re.escape(h)}$", text, re.M), h
    assert "Confidential to the Fife Community Planning Partnership board" in text
    for col in ("Action", "Lead", "Timescale", "Resources"):
        assert f"| {col} |" in text or f"| {col} " in text


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
    r = CppReport.load(
        round=ROUND,
        cpp=SMALL,
        tables_dir=f"outputs/{ROUND}/tables/by_cpp/{SMALL}",
        synthetic=True,
        baseline=BASELINE,
    )
    body = "\n".join(getattr(r, m)().data for m in CPP_SECTIONS[1:-1])
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
        [(statement, "44%–81%", "Significantly lower"), ("Short", "4%–8%", "No clear difference")],
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
