"""Codebooks: changes between rounds paired by id, and a codebook made from a real checklist."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import yaml
from helpers import TESTS

from cpsa.data import codebook as cbmod
from cpsa.data.codebook import (
    Statement,
    build_codebook,
    codebook_changes,
    load_codebook,
    read_checklist,
)

AREAS = 9
PER_AREA = (7, 7, 6, 6, 6, 6, 7, 6, 6)  # 57 statements in nine areas, like the PSIF checklist


def checklist_text() -> str:
    lines = []
    for a, n in enumerate(PER_AREA, start=1):
        lines.append(f"## Area {a}: topic number {a}")
        for k in range(1, n + 1):
            lines.append(f"{a}.{k} The partnership does thing {k} of topic {a} well and often.")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def demo_cb():
    return load_codebook("psif-board-v1")


def test_changes_pair_statements_by_id(demo_cb):
    stmts = list(demo_cb.statements)
    new = [
        *[s for s in stmts if s.id != "ENG02"],  # ENG02 retired
        Statement("ENG06", "engagement", "A brand new statement."),  # added
    ]
    new[0] = dataclasses.replace(new[0], text=new[0].text + " Always.")  # ENG01 reworded
    new[5] = dataclasses.replace(new[5], theme="outcomes")  # moved
    changed = dataclasses.replace(demo_cb, statements=tuple(new))
    c = codebook_changes(demo_cb, changed)
    assert [s.id for s in c.added] == ["ENG06"]
    assert [s.id for s in c.retired] == ["ENG02"]
    assert [(a.id, b.text) for a, b in c.reworded] == [("ENG01", new[0].text)]
    assert [(a.id, a.theme, b.theme) for a, b in c.moved] == [
        (new[5].id, stmts[6].theme, "outcomes")
    ]
    assert c.any and len(c.unchanged) == len(stmts) - 3
    assert "reworded: ENG01" in "\n".join(c.lines())
    same = codebook_changes(demo_cb, demo_cb)
    assert not same.any and len(same.unchanged) == len(stmts)


def test_a_57_statement_checklist_becomes_a_loadable_codebook(tmp_path):
    path = tmp_path / "psif.txt"
    path.write_text(checklist_text())
    items = read_checklist(path)
    assert len(items) == 57 and len({i.area for i in items}) == AREAS
    data = build_codebook(items, codebook_id="psif-cpp-v1", title="PSIF CPP checklist")
    cb = cbmod._parse(yaml.safe_load(yaml.safe_dump(data)), path)
    assert len(cb.statements) == 57 and len(cb.themes) == AREAS
    assert len({s.id for s in cb.statements}) == 57
    assert cb.statements[0].text == "The partnership does thing 1 of topic 1 well and often."


def test_ids_stay_stable_across_rounds(tmp_path):
    path = tmp_path / "psif.txt"
    path.write_text(checklist_text())
    first = build_codebook(read_checklist(path), codebook_id="v1", title="v1")
    old = cbmod._parse(yaml.safe_load(yaml.safe_dump(first)), path)
    text = checklist_text()
    text = text.replace("thing 2 of topic 1 well and often", "thing 2 of topic 1 well and often!")
    text = text.replace("3.6 The partnership does thing 6 of topic 3 well and often.\n", "")
    text += "9.7 A statement nobody asked before about budgets.\n"
    path.write_text(text)
    second = build_codebook(read_checklist(path), codebook_id="v2", title="v2", previous=old)
    new = cbmod._parse(yaml.safe_load(yaml.safe_dump(second)), path)
    c = codebook_changes(old, new)
    assert len(c.reworded) == 1 and c.reworded[0][0].text.endswith("well and often.")
    assert [s.text for s in c.retired] == [
        "The partnership does thing 6 of topic 3 well and often."
    ]
    assert len(c.added) == 1 and c.added[0].id not in {s.id for s in old.statements}
    assert len(c.unchanged) == 55


def test_a_checklist_from_an_export_keeps_the_demo_ids(demo_cb):
    items = read_checklist(TESTS / "data" / "layouts" / "surveymonkey.csv")
    assert len(items) == len(demo_cb.statements)
    assert len({i.area for i in items}) == len(demo_cb.themes)
    data = build_codebook(items, codebook_id="x", title="x", previous=demo_cb)
    assert [s["id"] for s in data["statements"]] == [s.id for s in demo_cb.statements]


def test_command_writes_the_codebook_and_the_changes(tmp_path, project_root, monkeypatch, capsys):
    from cpsa.cli import main

    shutil.copytree(project_root / "params/checklist", tmp_path / "params/checklist")
    shutil.copytree(project_root / "data/reference", tmp_path / "data/reference")
    monkeypatch.setenv("CPSA_ROOT", str(tmp_path))
    src = TESTS / "data" / "layouts" / "qualtrics.csv"
    args = ["codebook", "--from", str(src), "--id", "psif-next", "--previous", "psif-board-v1"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "46 statements in 9 areas" in err
    assert "0 added, 0 retired, 1 reworded" in err and "GOV02" in err
    assert load_codebook("psif-next", cbmod.Paths(root=tmp_path)).statement("GOV02")
    assert main(args) == 2  # never overwritten without --force
