"""Issue 14: facilitator's guide, discussion questions, board among boards, the kit files."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from docx import Document
from helpers.report_fixture import CPPS, ROUND, SMALL, build_project, planted
from openpyxl import load_workbook
from pptx import Presentation

from cpsa.config import Paths
from cpsa.report import md
from cpsa.report.workshop import Kit, write_workshop_kit
from cpsa.tables import benchmark as bm

TABLES = f"outputs/{ROUND}/tables/by_cpp"


def _benchmark(root, cpp: str) -> None:
    """A benchmark.csv as `cpsa tables` writes it, from eight made-up boards."""
    themes = pd.read_csv(root / TABLES / cpp / "themes.csv")
    rows = []
    for k in range(8):
        other = themes.assign(cpp=f"b{k}", score=themes["score"] + 4 * k - 10, sd=20.0)
        rows.append(other)
    allt = pd.concat([themes.assign(sd=20.0), *rows])
    allt["suppressed"] = False
    table = bm.cpp_benchmark(allt, cpp, themes=list(themes["theme"]), min_reported_cpps=5)
    table["shown"] = table["shown"].map({True: "true", False: "false"})  # as the writer does
    table.to_csv(root / TABLES / cpp / bm.FILE, index=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = build_project(tmp_path_factory.mktemp("kit") / "proj")
    _benchmark(root, "fife")
    mp = pytest.MonkeyPatch()
    mp.setenv("CPSA_ROOT", str(root))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def kit(project):
    return Kit.load(round=ROUND, cpp="fife", tables_dir=f"{TABLES}/fife", paths=Paths(project))


def _with_a_polarised_statement(kit):
    """The kit with one statement flagged polarised, as a genuinely split board would be."""
    items = kit.bundle.items.copy()
    row = items.index[items["pct_positive"].notna()][0]
    items.loc[row, "polarised"] = True
    items.loc[row, "polarisation_p"] = 0.001
    return dataclasses.replace(kit, bundle=dataclasses.replace(kit.bundle, items=items))


def test_questions_come_from_this_boards_results(kit):
    kit = _with_a_polarised_statement(kit)
    qs = kit.questions()
    kinds = {q.kind for q in qs}
    assert {"divided", "gap", "information"} <= kinds
    divided = kit.divided(1).iloc[0]
    text = kit.codebook.statement(divided["item"]).text.rstrip(".")
    assert text in qs[0].text
    gap = kit.largest_gaps(1).iloc[0]
    assert any(kit.codebook.statement(gap["item"]).text.rstrip(".") in q.text for q in qs)
    assert all(q.short and len(q.short) < len(q.text) for q in qs)


def test_facilitator_guide_has_a_two_hour_agenda_and_questions(kit):
    out = kit.facilitator_guide().data
    assert out.startswith("## Facilitator's guide")
    assert "Agenda for a two-hour session" in out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ")]
    minutes = [int(r[1]) for r in rows[2:] if r[1].strip().isdigit()]
    assert sum(minutes) == 120 and all(m > 0 for m in minutes)
    assert rows[2][0].strip() == "0:00"
    assert "### Questions for discussion" in out
    assert "\n1. " in out


def test_board_among_boards_states_quarter_and_certainty(kit):
    out = kit.board_among_boards().data
    assert "## Where the board stands among the boards" in out
    assert "How sure" in out and "quarter" in out
    assert "![" in out and "| Theme |" in out  # a chart with its data table
    for other in CPPS:
        if other != "fife":
            assert other not in out.lower()


def test_below_minimum_board(project):
    small = Kit.load(round=ROUND, cpp=SMALL, tables_dir=f"{TABLES}/{SMALL}", paths=Paths(project))
    assert small.questions() == []
    assert "Fewer than 5" in small.facilitator_guide().data
    assert small.board_among_boards().data == ""
    deck, images = small.deck()
    assert "## Why there are no results" in deck and not images


def test_deck_slides(kit):
    deck, images = _with_a_polarised_statement(kit).deck()
    titles = [line[3:] for line in deck.splitlines() if line.startswith("## ")]
    for t in ("Who took part", "The theme profile", "Among the boards", "Top priorities"):
        assert t in titles
    assert "Where members are polarised" in titles
    assert any(t.startswith("Questions for discussion") for t in titles)
    assert {i.name for i in images} == {"theme-profile.png", "among-boards.png", "divided.png"}
    assert all(i.alt.strip() for i in images)


def _executed_notebook(path, cpp: str) -> None:
    from cpsa.report import charts

    svg = charts.interval_chart(
        [("This board", [charts.Estimate("Leadership", 60, 50, 70)])], xlabel="%"
    )
    output = md.join(md.figure(svg, alt="Chart alt text"), md.table(["A", "B"], [("1", "2")]))
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "raw", "metadata": {}, "source": "---\ntitle: x\n---"},
            {"cell_type": "markdown", "metadata": {}, "source": f"## Summary\n\n{cpp} text."},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": "x",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/markdown": output, "text/plain": "<md>"},
                    }
                ],
            },
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.mark.parametrize("cpp", ["fife", SMALL])
def test_write_workshop_kit(project, cpp):
    paths = Paths(project)
    executed = paths.executed_notebooks(ROUND) / f"{cpp}.ipynb"
    _executed_notebook(executed, cpp)
    files = write_workshop_kit(ROUND, cpp, paths=paths)
    reports = paths.reports(ROUND)
    assert [f.name for f in files] == [
        f"{cpp}-improvement-plan.xlsx",
        f"{cpp}.docx",
        f"{cpp}-workshop.pptx",
    ]
    assert all(f.parent == reports and f.is_file() for f in files)
    assert not [p for p in reports.iterdir() if p.name.startswith(".")]
    doc = Document(str(files[1]))
    assert any(p.style.name == "Heading 2" for p in doc.paragraphs)
    prs = Presentation(str(files[2]))
    deck, _ = Kit.load(round=ROUND, cpp=cpp, tables_dir=f"{TABLES}/{cpp}", paths=paths).deck()
    assert len(prs.slides) == 1 + deck.count("\n## ") + deck.startswith("## ")
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:
                descr = shape._element.nvPicPr.cNvPr.get("descr")
                assert descr and not descr.endswith(".png")
    assert load_workbook(files[0]).sheetnames[0] == "How to use"
    # the kit of one board never carries another board's comments
    for f in files:
        blob = f.read_bytes()
        for other in CPPS:
            if other != cpp:
                assert planted(other).encode() not in blob
    again = write_workshop_kit(ROUND, cpp, paths=paths)
    assert [f.read_bytes() for f in again][0] == files[0].read_bytes()
