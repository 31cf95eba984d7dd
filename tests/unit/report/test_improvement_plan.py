"""Issue 6: the editable improvement-plan spreadsheet."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.report_fixture import ROUND, SMALL, build_project
from openpyxl import load_workbook

from cpsa.data.codebook import load_codebook
from cpsa.report.improvement_plan import HEADERS, write_plan


@pytest.fixture()
def project(tmp_path, monkeypatch):
    root = build_project(tmp_path / "proj")
    monkeypatch.setenv("CPSA_ROOT", str(root))
    return root


def test_plan_lists_improvements_and_gaps_with_empty_action_columns(project, tmp_path):
    target = tmp_path / "fife-plan.xlsx"
    write_plan(
        round_=ROUND, cpp="fife", tables_dir=f"outputs/{ROUND}/tables/by_cpp/fife", target=target
    )
    ws = load_workbook(target)["Improvement plan"]
    rows = list(ws.iter_rows(values_only=True))
    h = rows.index(HEADERS)
    body = rows[h + 1 :]
    items = pd.read_csv(project / f"outputs/{ROUND}/tables/by_cpp/fife/items.csv")
    cb = load_codebook("psif-board-v1")
    expected = {
        cb.statement(i).text
        for i in items.loc[items["category"].isin(["improvement", "information_gap"]), "item"]
    }
    assert {r[1] for r in body} == expected
    assert all(r[3:] == (None, None, None, None) for r in body)


def test_plan_is_deterministic_and_atomic(project, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for t in (a, b):
        write_plan(
            round_=ROUND, cpp="fife", tables_dir=f"outputs/{ROUND}/tables/by_cpp/fife", target=t
        )
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["a.xlsx", "b.xlsx"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_small_cpp_plan_says_why_it_is_empty(project, tmp_path):
    target = tmp_path / "m.xlsx"
    write_plan(
        round_=ROUND, cpp=SMALL, tables_dir=f"outputs/{ROUND}/tables/by_cpp/{SMALL}", target=target
    )
    values = [c for r in load_workbook(target).active.iter_rows(values_only=True) for c in r if c]
    assert any("Too few members answered" in str(v) for v in values)
