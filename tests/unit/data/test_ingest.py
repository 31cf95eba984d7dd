"""`cpsa ingest`: valid exports become tidy processed data, written atomically or not at all."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import TESTS

from cpsa.config import Paths, load_round
from cpsa.data import ingest
from cpsa.data.codebook import load_codebook
from cpsa.data.ingest import ExportInvalid, ingest_round, load_processed
from cpsa.data.reference import load_reference

BAD = TESTS / "data" / "bad"


def _make_module():
    spec = importlib.util.spec_from_file_location("make_bad_exports", BAD / "make_bad_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_bad = _make_module()
FIXTURE_CPPS = ["aberdeen-city", "city-of-edinburgh", "fife", "na-h-eileanan-siar"]


def make_project(root: Path, project_root: Path, exports: dict[str, Path], cpps) -> Paths:
    """A scratch project with the real codebook and reference, one round per export."""
    for sub in ("params/checklist", "data/reference"):
        shutil.copytree(project_root / sub, root / sub, dirs_exist_ok=True)
    for round_, src in exports.items():
        dest = root / "data" / "raw" / round_ / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        cfg = root / "params" / round_ / "round.yaml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(
            f"round: '{round_}'\nyear: 2099\ntitle: test\nsynthetic: true\n"
            f"export: data/raw/{round_}/{src.name}\ncodebook: psif-board-v1\n"
            f"baseline: null\nseed: 1\ncpps: [{', '.join(cpps)}]\n"
        )
    return Paths(root=root)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def demo_both(tmp_path_factory, project_root):
    """The demo-2024 export as CSV and as XLSX, ingested as two rounds."""
    cfg = load_round("demo-2024", Paths(root=project_root))
    folder = project_root / "data" / "demo" / "demo-2024"
    paths = make_project(
        tmp_path_factory.mktemp("both"),
        project_root,
        {"2024-csv": folder / "export.csv", "2024-xlsx": folder / "export.xlsx"},
        cfg.cpps,
    )
    return paths, {r: ingest_round(r, paths=paths) for r in ("2024-csv", "2024-xlsx")}


def test_csv_and_xlsx_give_identical_processed_data(demo_both):
    paths, _ = demo_both
    a, b = load_processed("2024-csv", paths=paths), load_processed("2024-xlsx", paths=paths)
    for table in ingest.TABLES:
        pd.testing.assert_frame_equal(a[table], b[table])


def test_processed_tables_follow_the_contract(demo_both):
    paths, results = demo_both
    t = load_processed("2024-csv", paths=paths)
    cb = load_codebook("psif-board-v1")
    n = results["2024-csv"].n_respondents
    assert list(t["responses"].columns) == [
        "respondent_id", "cpp", "partner_type", "theme", "item", "response", "score",
    ]  # fmt: skip
    assert list(t["respondents"].columns) == ["respondent_id", "cpp", "partner_type"]
    assert list(t["comments"].columns) == [
        "respondent_id", "cpp", "partner_type", "theme", "kind", "text",
    ]  # fmt: skip
    r = t["responses"]
    assert len(r) == n * len(cb.statements)  # one row per respondent x statement
    assert r.groupby("respondent_id")["item"].nunique().eq(len(cb.statements)).all()
    keys = list(zip(r["cpp"], r["respondent_id"], r["item"], strict=True))
    assert keys == sorted(keys)
    # the scale, written out here rather than taken from the codebook
    expected = {"strongly_agree": 4, "agree": 3, "disagree": 2, "strongly_disagree": 1}
    for code, score in expected.items():
        assert (r.loc[r["response"] == code, "score"] == score).all()
    assert r.loc[r["response"].isna() | (r["response"] == "dont_know"), "score"].isna().all()
    assert str(r["score"].dtype) == "Int64"
    theme_of = {s.id: s.theme for s in cb.statements}
    assert (r["item"].map(theme_of) == r["theme"]).all()
    assert set(t["respondents"]["partner_type"]) <= set(load_reference().partner_types["id"])


def test_responses_match_the_export_cell_by_cell(demo_both, project_root):
    """An independent reading of the raw CSV agrees with the processed table."""
    paths, _ = demo_both
    raw = pd.read_csv(project_root / "data/demo/demo-2024/export.csv", dtype=str)
    cb = load_codebook("psif-board-v1")
    label = {"Strongly agree": "strongly_agree", "Agree": "agree", "Disagree": "disagree",
             "Strongly disagree": "strongly_disagree", "Don't know": "dont_know"}  # fmt: skip
    r = load_processed("2024-csv", paths=paths)["responses"].set_index(["respondent_id", "item"])
    for st in cb.statements[::7]:
        for rid, cell in zip(raw["Respondent ID"], raw[st.text], strict=True):
            got = r.loc[(rid, st.id), "response"]
            assert (pd.isna(got) and pd.isna(cell)) or got == label[cell]


def test_manifest(demo_both, project_root):
    paths, results = demo_both
    manifest = json.loads((paths.processed("2024-csv") / "manifest.json").read_text())
    raw = paths.root / "data/raw/2024-csv/export.csv"
    assert manifest["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    assert manifest["source"] == "data/raw/2024-csv/export.csv"
    assert manifest["round"] == "2024-csv" and manifest["codebook"] == "psif-board-v1"
    raw_df = pd.read_csv(raw, dtype=str)
    assert manifest["n_respondents"] == len(raw_df) == results["2024-csv"].n_respondents
    assert manifest["n_cpps"] == 20


def test_up_to_date_data_is_not_redone_but_a_changed_export_is(tmp_path, project_root):
    good = tmp_path / "good.csv"
    good.write_bytes(make_bad.to_csv(make_bad.base_grid()))
    paths = make_project(tmp_path / "p", project_root, {"2099": good}, FIXTURE_CPPS)
    first = ingest_round("2099", paths=paths)
    assert not first.skipped and first.n_respondents == 3
    mtime = (paths.processed("2099") / "responses.parquet").stat().st_mtime_ns
    assert ingest_round("2099", paths=paths).skipped
    assert (paths.processed("2099") / "responses.parquet").stat().st_mtime_ns == mtime
    grid = make_bad.base_grid()[:3]  # one respondent fewer
    (paths.root / "data/raw/2099/good.csv").write_bytes(make_bad.to_csv(grid))
    third = ingest_round("2099", paths=paths)
    assert not third.skipped and third.n_respondents == 2


BAD_FILES = sorted(p.name for p in BAD.glob("*.*") if p.suffix != ".py")


@pytest.mark.parametrize("name", BAD_FILES)
def test_broken_exports_write_nothing(tmp_path, project_root, name):
    paths = make_project(tmp_path, project_root, {"2099": BAD / name}, FIXTURE_CPPS)
    raw = paths.root / "data/raw/2099" / name
    before = raw.read_bytes()
    with pytest.raises(ExportInvalid) as info:
        ingest_round("2099", paths=paths)
    assert len(info.value.report.problems) == 1
    assert not paths.processed_root.exists() or not any(paths.processed_root.iterdir())
    assert raw.read_bytes() == before


def test_a_failed_ingest_leaves_the_previous_good_data(tmp_path, project_root):
    good = tmp_path / "export.csv"
    good.write_bytes(make_bad.to_csv(make_bad.base_grid()))
    paths = make_project(tmp_path / "p", project_root, {"2099": good}, FIXTURE_CPPS)
    ingest_round("2099", paths=paths)
    before = snapshot(paths.processed("2099"))
    shutil.copyfile(BAD / "unknown_cpp.csv", paths.root / "data/raw/2099/export.csv")
    with pytest.raises(ExportInvalid):
        ingest_round("2099", paths=paths)
    assert snapshot(paths.processed("2099")) == before
    assert [p.name for p in paths.processed_root.iterdir()] == ["2099"]  # no temp left


def test_a_crash_while_writing_leaves_the_previous_good_data(tmp_path, project_root, monkeypatch):
    good = tmp_path / "export.csv"
    good.write_bytes(make_bad.to_csv(make_bad.base_grid()))
    paths = make_project(tmp_path / "p", project_root, {"2099": good}, FIXTURE_CPPS)
    ingest_round("2099", paths=paths)
    before = snapshot(paths.processed("2099"))
    grid = make_bad.base_grid()[:3]
    (paths.root / "data/raw/2099/export.csv").write_bytes(make_bad.to_csv(grid))
    real = pd.DataFrame.to_parquet
    calls = []

    def failing(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the second of three tables: a half-finished folder
            raise OSError("disk full")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        ingest_round("2099", paths=paths)
    assert snapshot(paths.processed("2099")) == before
    assert [p.name for p in paths.processed_root.iterdir()] == ["2099"]


def test_logs_counts_but_never_ids_or_comments(tmp_path, project_root, caplog):
    good = tmp_path / "export.csv"
    good.write_bytes(make_bad.to_csv(make_bad.base_grid()))
    paths = make_project(tmp_path / "p", project_root, {"2099": good}, FIXTURE_CPPS)
    with caplog.at_level(logging.DEBUG, logger="cpsa"):
        ingest_round("2099", paths=paths)
    assert "3 respondents" in caplog.text
    assert "A-001" not in caplog.text and "Comment number" not in caplog.text


def test_run_reports_an_invalid_export_and_exits_2(tmp_path, project_root, capsys, monkeypatch):
    from cpsa import cli

    paths = make_project(tmp_path, project_root, {"2099": BAD / "unknown_cpp.csv"}, FIXTURE_CPPS)
    monkeypatch.setenv("CPSA_ROOT", str(paths.root))
    assert cli.main(["ingest", "--round", "2099"]) == 2
    err = capsys.readouterr().err
    assert "nothing was written" in err and "'Edinbrugh'" in err
