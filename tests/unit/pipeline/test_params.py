"""cpsa params: parameter files per report, and their validation before execution."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from fixtures.project import CPPS, ROUND, make_project

from cpsa import cli
from cpsa.config import ConfigError, get_paths, load_round
from cpsa.pipeline.params import (
    NATIONAL,
    check_report,
    notebook_parameters,
    report_spec,
    validate_params,
    write_round_params,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("CPSA_ROOT", str(root))
    return root


def test_writes_one_file_per_cpp_and_national_per_contract(project: Path) -> None:
    result = write_round_params(ROUND)
    cpp_files = sorted(p.name for p in (project / "params" / ROUND / "cpp").glob("*.yaml"))
    assert cpp_files == [f"{c}.yaml" for c in CPPS]
    assert len(result.written) == len(CPPS) + 1
    # the contract of docs/architecture.md, "Notebook parameters"
    fife = yaml.safe_load((project / "params" / ROUND / "cpp" / "fife.yaml").read_text())
    assert fife == {"round": ROUND, "cpp": "fife"}  # all else follows from round.yaml
    national = yaml.safe_load((project / "params" / ROUND / "national.yaml").read_text())
    assert national == {
        "round": ROUND,
        "tables_dir": f"outputs/{ROUND}/tables",
        "synthetic": True,
        "baseline": None,
    }


def test_rewrites_only_when_content_changes(project: Path) -> None:
    write_round_params(ROUND)
    fife = project / "params" / ROUND / "cpp" / "fife.yaml"
    before = fife.read_bytes(), fife.stat().st_mtime_ns
    again = write_round_params(ROUND)
    assert again.written == ()
    assert (fife.read_bytes(), fife.stat().st_mtime_ns) == before
    # a round setting the parameters carry is picked up, and only then rewritten
    round_yaml = project / "params" / ROUND / "round.yaml"
    round_yaml.write_text(round_yaml.read_text().replace("synthetic: true", "synthetic: false"))
    changed = write_round_params(ROUND)
    assert changed.written == (project / "params" / ROUND / "national.yaml",)
    assert (fife.read_bytes(), fife.stat().st_mtime_ns) == before


def test_parameter_file_of_a_cpp_that_left_the_round_is_removed(project: Path) -> None:
    stale = project / "params" / ROUND / "cpp" / "highland.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("round: demo-2030\ncpp: highland\n")
    result = write_round_params(ROUND)
    assert result.removed == (stale,)
    assert not stale.exists()


def test_notebook_parameters_are_read_from_the_parameters_cell(project: Path) -> None:
    declared = notebook_parameters(project / "notebooks" / "cpp_report.ipynb")
    assert set(declared) == {"round", "cpp"}


def _validate(params: dict, *, report: str = "fife") -> None:
    paths = get_paths()
    validate_params(
        params,
        declared={"round", "cpp"} if report != NATIONAL else set(NATIONAL_GOOD),
        cfg=load_round(ROUND, paths),
        report=report,
        paths=paths,
    )


GOOD = {"round": ROUND, "cpp": "fife"}
NATIONAL_GOOD = {
    "round": ROUND,
    "tables_dir": f"outputs/{ROUND}/tables",
    "synthetic": True,
    "baseline": None,
}


def test_valid_parameters_pass(project: Path) -> None:
    _validate(dict(GOOD))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "unknown parameter(s) colour"),
        ({"cpp": "highland"}, "CPP 'highland' is not in round demo-2030"),
        ({"tables_dir": "outputs"}, "unknown parameter(s) tables_dir"),
        ({"round": "demo-2026"}, "round is 'demo-2026', expected 'demo-2030'"),
    ],
)
def test_invalid_parameters_are_refused_with_the_reason(
    project: Path, change: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _validate({**GOOD, **change})
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tables_dir": "../elsewhere/tables"}, "points outside the project"),
        ({"tables_dir": "/etc"}, "points outside the project"),
        ({"synthetic": "yes"}, "synthetic must be true or false"),
    ],
)
def test_invalid_national_parameters_are_refused(project: Path, change: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        _validate({**NATIONAL_GOOD, **change}, report=NATIONAL)
    assert message in str(err.value)


def test_missing_parameter_is_refused(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing parameter\(s\) cpp"):
        _validate({"round": ROUND})


def test_every_problem_is_reported_at_once(project: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _validate({**GOOD, "cpp": "highland", "extra": 1, "round": "x"})
    text = str(err.value)
    assert "extra" in text and "highland" in text and "round is 'x'" in text


def test_check_report_needs_the_tables(project: Path) -> None:
    write_round_params(ROUND)
    paths = get_paths()
    spec = report_spec(paths, ROUND, "fife")
    with pytest.raises(ConfigError, match="run `cpsa tables --round demo-2030` first"):
        check_report(spec, paths=paths, cfg=load_round(ROUND, paths))
    (project / f"outputs/{ROUND}/tables/by_cpp/fife").mkdir(parents=True)
    assert check_report(spec, paths=paths, cfg=load_round(ROUND, paths)) == GOOD


def test_check_report_compares_with_the_notebook(project: Path) -> None:
    write_round_params(ROUND)
    (project / f"outputs/{ROUND}/tables").mkdir(parents=True)
    national = project / "params" / ROUND / "national.yaml"
    national.write_text(national.read_text() + "cpp: fife\n")
    paths = get_paths()
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) cpp"):
        check_report(report_spec(paths, ROUND, NATIONAL), paths=paths, cfg=load_round(ROUND, paths))


def test_cli_writes_params_and_reports_bad_round(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["params", "--round", ROUND]) == 0
    assert "4 written" in capsys.readouterr().out
    assert os.path.exists(project / "params" / ROUND / "national.yaml")
    assert cli.main(["params", "--round", "demo-1999"]) == 2
    assert "no round config" in capsys.readouterr().err
