"""`cpsa validate`: every problem of an export, with row, column, value and a suggestion."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TESTS

from cpsa.data import validate
from cpsa.data.codebook import load_codebook
from cpsa.data.validate import check_export

BAD = TESTS / "data" / "bad"
FIXTURE_CPPS = ("aberdeen-city", "city-of-edinburgh", "fife", "na-h-eileanan-siar")


def _make_module():
    spec = importlib.util.spec_from_file_location("make_bad_exports", BAD / "make_bad_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_bad = _make_module()


@pytest.fixture(scope="module")
def cb():
    return load_codebook("psif-board-v1")


def check(path, cb, cpps=FIXTURE_CPPS):
    from cpsa.data.reference import load_reference

    return check_export(
        path, codebook=cb, reference=load_reference(), round_cpps=cpps, round_name="fixture"
    )


def write_grid(path: Path, grid, *, encoding="utf-8") -> Path:
    path.write_bytes(make_bad.to_csv(grid).decode().encode(encoding))
    return path


# file -> (row, column, value, words in the message, words in the suggestion)
EXPECTED = {
    "unknown_cpp.csv": (3, "Community Planning Partnership", "Edinbrugh", "unknown CPP",
                        "City of Edinburgh"),
    "unknown_response.csv": (2, None, "Strongly agre", "unknown response", "'Strongly agree'"),
    "unknown_partner_type.csv": (4, "Partner type", "Polis", "unknown partner type",
                                 "Police Scotland"),
    "cpp_not_in_round.csv": (2, "Community Planning Partnership", "Highland",
                             "not taking part in round fixture", "add 'highland' to cpps"),
    "duplicate_respondent.csv": (4, "Respondent ID", "A-001", "duplicate respondent id",
                                 "delete the duplicate row"),
    "missing_statement.csv": (1, None, None, "missing column for statement GOV03", "GOV03"),
    "duplicate_statement.csv": (1, "ENG01", None, "duplicated column: statement ENG01",
                                "Delete one of the two columns"),
    "empty_response.csv": (4, None, None, "empty response", "Delete this row"),
    "truncated.csv": (4, None, None, "looks truncated", "Download the export again"),
    "truncated.xlsx": (None, None, None, "damaged or truncated", None),
    "unreadable.csv": (None, None, None, "not a text (CSV) file", None),
    "empty.csv": (None, None, None, "the file is empty", None),
    "header_only.csv": (None, None, None, "no responses", None),
    "numeric_codes.csv": (2, None, None, "cells hold numbers 1–5 — this looks like an export "
                          "with numeric codes", "Add codes: to"),
    "two_sheets.xlsx": (None, None, None, "several worksheets look like responses ('Responses', "
                        "'Responses (2)'); name the one to use as 'sheet: <name>'", None),
}  # fmt: skip


def test_every_failure_mode_has_a_broken_file():
    assert sorted(p.name for p in BAD.glob("*.*") if p.suffix != ".py") == sorted(EXPECTED)


def test_broken_files_are_current_with_the_codebook(tmp_path):
    make_bad.main(tmp_path)
    for name in EXPECTED:
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), (
            f"tests/data/bad/{name} is stale: run python tests/data/bad/make_bad_exports.py"
        )


def test_the_unbroken_fixture_is_valid(tmp_path, cb):
    v = check(write_grid(tmp_path / "good.csv", make_bad.base_grid()), cb)
    assert v.report.ok, v.report.format()
    assert len(v.parsed.respondents) == 3


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_export_is_rejected_with_its_specific_problem(name, cb):
    row, column, value, message, suggestion = EXPECTED[name]
    v = check(BAD / name, cb)
    assert v.parsed is None
    assert len(v.report.problems) == 1, v.report.format()
    (p,) = v.report.problems
    assert p.row == row
    if column is not None:
        assert p.column == column
    assert p.value == value
    assert message in p.message
    if suggestion is not None:
        assert suggestion in p.suggestion
    text = v.report.format()
    assert message in text and (value is None or repr(value) in text)


def test_every_problem_is_reported_in_one_run(tmp_path, cb):
    grid = make_bad.base_grid()
    grid[1][1] = "Glasgo"  # unknown CPP
    grid[2][4] = "maybe"  # unknown response
    grid[3][0] = grid[1][0]  # duplicate id
    grid[3][2] = ""  # missing partner type
    v = check(write_grid(tmp_path / "many.csv", grid), cb, cpps=None)
    found = {(p.row, p.column, p.message.split(":")[0]) for p in v.report.problems}
    assert found == {
        (2, "Community Planning Partnership", "unknown CPP"),
        (3, grid[0][4], f"unknown response to statement {cb.statements[1].id}"),
        (4, "Respondent ID", "duplicate respondent id"),
        (4, "Partner type", "missing partner type"),
    }
    glasgow = next(p for p in v.report.problems if p.row == 2)
    assert "Glasgow City" in glasgow.suggestion


def test_labels_and_headings_are_matched_robustly(tmp_path, cb):
    grid = make_bad.base_grid()
    # headings: smart quotes, case, extra spaces; one statement headed by its id
    grid[0] = [h.replace("'", "\u2019").upper().replace(" ", "  ") for h in grid[0]]
    grid[0][3] = "ENG01"
    grid[1][4] = "  strongly   AGREE "
    grid[1][5] = "Don\u2019t know"
    grid[1][6] = "DISAGREE"
    v = check(write_grid(tmp_path / "odd.csv", grid), cb)
    assert v.report.ok, v.report.format()
    r = v.parsed.responses.set_index(["respondent_id", "item"])["response"]
    items = [s.id for s in cb.statements]
    assert r[("A-001", items[1])] == "strongly_agree"
    assert r[("A-001", items[2])] == "dont_know"
    assert r[("A-001", items[3])] == "disagree"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_windows_1252_csv_are_accepted(tmp_path, cb, encoding):
    grid = make_bad.base_grid()
    text = "Caf\u00e9 meetings cost \u00a3200 \u2013 worth it"  # all three exist in cp1252
    grid[1][-1] = text
    path = write_grid(tmp_path / "excel.csv", grid, encoding=encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    v = check(path, cb)
    assert v.report.ok, v.report.format()
    assert text in set(v.parsed.comments["text"])


def test_cpp_names_with_extra_words_are_recognised(tmp_path, cb):
    grid = make_bad.base_grid()
    grid[1][1] = "Aberdeen City Community Planning Partnership"
    grid[2][1] = "Edinburgh CPP"
    v = check(write_grid(tmp_path / "words.csv", grid), cb)
    assert v.report.ok, v.report.format()
    assert sorted(v.parsed.respondents["cpp"]) == [
        "aberdeen-city", "city-of-edinburgh", "na-h-eileanan-siar",
    ]  # fmt: skip


def test_unknown_columns_are_ignored_with_a_note(tmp_path, cb):
    grid = make_bad.base_grid()
    for k, row in enumerate(grid):
        row.append("IP Address" if k == 0 else "192.0.2.1")
    v = check(write_grid(tmp_path / "extra.csv", grid), cb)
    assert v.report.ok
    assert "'IP Address' (IP address)" in v.report.dropped
    assert "1 column of personal data will be dropped" in v.report.summary
    assert "192.0.2.1" not in v.report.format()
    assert "192.0.2.1" not in v.parsed.comments["text"].tolist()


@pytest.mark.parametrize("round_", ["demo-2024", "demo-2026"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_demo_exports_are_valid(project_root, round_, fmt):
    v = validate.validate_file(project_root / f"data/demo/{round_}/export.{fmt}", round_=round_)
    assert v.report.ok, v.report.format()


def test_run_exit_codes_and_stderr(capsys, tmp_path):
    from cpsa import cli

    before = sorted(tmp_path.iterdir())
    assert cli.main(["validate", str(BAD / "unknown_cpp.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "'Edinbrugh'" in err and "City of Edinburgh" in err
    good = write_grid(tmp_path / "good.csv", make_bad.base_grid())
    assert cli.main(["validate", str(good)]) == 0
    assert "valid (3 responses)" in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == [*before, good]


def test_command_line_writes_nothing(tmp_path, project_root):
    for sub in ("params/checklist", "data/reference"):
        shutil.copytree(project_root / sub, tmp_path / sub)
    before = sorted(p for p in tmp_path.rglob("*"))
    result = subprocess.run(
        [sys.executable, "-m", "cpsa", "validate", str(BAD / "unknown_response.csv")],
        capture_output=True, text=True, env={"CPSA_ROOT": str(tmp_path), "PATH": ""},
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "unknown response" in result.stderr
    assert "Did you mean 'Strongly agree'?" in result.stderr
    after = sorted(p for p in tmp_path.rglob("*") if "outputs" not in p.parts)  # the run log
    assert after == before


def test_a_reworded_statement_heading_is_missing_with_the_likely_column_suggested(tmp_path, cb):
    grid = make_bad.base_grid()
    gov02 = cb.statement("GOV02").text
    i = grid[0].index(gov02)
    grid[0][i] = gov02.replace("proportionate", "proportional")
    v = check(write_grid(tmp_path / "reworded.csv", grid), cb)
    (p,) = v.report.problems
    assert p.row == 1 and "missing column for statement GOV02" in p.message
    assert repr(grid[0][i]) in p.suggestion and "rename that column" in p.suggestion
