"""The release: national tables as CSV + a deterministic workbook with contents and notes."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from cpsa.config import Publication, RoundConfig, Thresholds
from cpsa.tables import release


def _cfg() -> RoundConfig:
    cfg = RoundConfig.__new__(RoundConfig)
    object.__setattr__(cfg, "round", "demo-2030")
    object.__setattr__(cfg, "title", "Fixture round")
    object.__setattr__(cfg, "synthetic", True)
    object.__setattr__(cfg, "thresholds", Thresholds())
    object.__setattr__(cfg, "publication", Publication(date="2030-03-31", contact="IS"))
    return cfg


def _frames() -> dict[str, pd.DataFrame]:
    frames = {t.name: pd.DataFrame({"theme": ["a"], "n": [1]}) for t in release.TABLES}
    frames["comment_topics"] = pd.DataFrame({"label": ["=SUM(A1:A9)", "-minus", "plain"]})
    return frames


def test_workbook_is_deterministic_with_contents_notes_and_one_sheet_per_table():
    cfg = _cfg()
    a = release.workbook_bytes(_frames(), cfg=cfg, notes=release.release_notes(cfg))
    b = release.workbook_bytes(_frames(), cfg=cfg, notes=release.release_notes(cfg))
    assert a == b
    wb = openpyxl.load_workbook(io.BytesIO(a))
    assert wb.sheetnames[:2] == ["Contents", "Notes"]
    assert len(wb.sheetnames) == 2 + len(release.TABLES)
    listed = [r[1] for r in wb["Contents"].iter_rows(min_row=4, values_only=True)]
    assert listed == [t.title for t in release.TABLES]
    notes = {r[0]: r[1] for r in wb["Notes"].iter_rows(min_row=3, values_only=True)}
    assert notes["Publication date"] == "2030-03-31" and "Suppression" in notes


def test_formula_looking_text_is_stored_as_text():
    cfg = _cfg()
    data = release.workbook_bytes(_frames(), cfg=cfg, notes=release.release_notes(cfg))
    i = [t.name for t in release.TABLES].index("comment_topics") + 1
    ws = openpyxl.load_workbook(io.BytesIO(data))[f"Table_{i}"]
    cells = [ws.cell(row=r, column=1) for r in (4, 5, 6)]
    assert [c.value for c in cells] == ["=SUM(A1:A9)", "-minus", "plain"]
    assert all(c.data_type == "s" for c in cells)


def _write_tables(folder, *, n_reported: int) -> None:
    for t in release.TABLES:
        pd.DataFrame({"x": [1]}).to_csv(folder / f"{t.name}.csv", index=False)
    pd.DataFrame({"group": ["all"], "n_cpps_reported": [n_reported]}).to_csv(
        folder / "participation.csv", index=False
    )
    pd.DataFrame({"theme": ["a"], "n_cpps": [n_reported]}).to_csv(
        folder / "variation_themes.csv", index=False
    )


def test_variation_is_blanked_below_the_minimum_number_of_partnerships(tmp_path):
    cfg = _cfg()
    _write_tables(tmp_path, n_reported=9)
    pd.DataFrame(
        {
            "theme": ["a", "b"],
            "n_cpps": [3, 9],
            "n_tests_family": [12, 12],
            "score_q25": [50.0, 60.0],
            "score_median": [55.0, 65.0],
            "score_q75": [70.0, 80.0],
        }
    ).to_csv(tmp_path / "variation_themes.csv", index=False)
    v = release.release_frames(cfg, tmp_path)["variation_themes"]
    assert v.loc[0, ["score_q25", "score_median", "score_q75"]].isna().all()
    assert v.loc[1, "score_q25"] == 60.0 and v.loc[0, "n_tests_family"] == 12


def test_no_result_table_is_released_below_the_minimum_number_of_reported_cpps(tmp_path):
    cfg = _cfg()
    few = cfg.thresholds.min_reported_cpps - 1
    _write_tables(tmp_path, n_reported=few)
    frames = release.release_frames(cfg, tmp_path)
    assert set(frames) == {"participation", "participation_cpps"}
    wb = openpyxl.load_workbook(
        io.BytesIO(release.workbook_bytes(frames, cfg=cfg, notes=release.release_notes(cfg)))
    )
    assert wb.sheetnames == ["Contents", "Notes", "Table_1", "Table_2"]
    _write_tables(tmp_path, n_reported=few + 1)
    assert set(release.release_frames(cfg, tmp_path)) == {t.name for t in release.TABLES}
