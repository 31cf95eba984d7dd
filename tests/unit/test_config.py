"""cpsa.config: the typed round config, the one safe YAML loader and the name checks (issue 16)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
import yaml

from cpsa import cli
from cpsa.config import (
    DISCLOSURE_FLOORS,
    ConfigError,
    Paths,
    RoundConfig,
    Thresholds,
    check_round_name,
    check_slug,
    load_round,
    load_yaml_file,
    load_yaml_text,
    parse_round,
)

GOOD = {
    "round": "2026",
    "year": 2026,
    "title": "Self-assessment 2026",
    "synthetic": False,
    "export": "data/raw/2026/export.csv",
    "codebook": "psif-board-v1",
    "cpps": ["fife", "angus"],
    "seed": 1,
}
SOURCE = "params/2026/round.yaml"

# 591 bytes: nine levels of ten aliases each = 10^9 "lol"s when expanded
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
round: 2026
cpps: *i
seed: 1
year: 2026
title: lol
synthetic: true
export: data/raw/x.csv
codebook: psif-board-v1
"""
BILLION_LAUGHS += "#" + "-" * (591 - len(BILLION_LAUGHS) - 2) + "\n"  # the reported size


def _parse(**changes: object) -> RoundConfig:
    return parse_round({**GOOD, **changes}, source=SOURCE, round_="2026")


def _error(**changes: object) -> str:
    with pytest.raises(ConfigError) as exc:
        _parse(**changes)
    return str(exc.value)


# --------------------------------------------------------------------------- types (16.12)


def test_a_valid_config_keeps_the_public_attribute_names() -> None:
    cfg = _parse(
        publication={"date": "2026-03-31", "contact": "IS team"},
        comparison_groups=[{"name": "cities", "cpps": ["fife", "angus"]}],
        codes={1: "Strongly agree", 2: "Agree"},
        sheet="Responses",
        board_members="data/raw/2026/board.txt",
        thresholds={"min_reported_cpps": 6, "min_valid_statement": 4},
    )
    assert cfg.round == "2026" and cfg.cpps == ("angus", "fife") and cfg.synthetic is False
    assert cfg.publication is not None and cfg.publication.date == "2026-03-31"
    assert cfg.comparison_groups[0].cpps == ("angus", "fife")
    assert cfg.codes == {1: "Strongly agree", 2: "Agree"}
    assert cfg.thresholds.min_reported_cpps == 6 and cfg.thresholds.min_valid_statement == 4
    assert cfg.thresholds.min_respondents_report == 5 and cfg.baseline is None
    assert cfg.as_dict()["cpps"] == ["angus", "fife"]
    assert Thresholds.permutations == 9999  # class defaults, as the dataclass had
    # an integer round (YAML `round: 2026`) and an unquoted date are what users write
    assert _parse(round=2026).round == "2026"
    import datetime as dt

    assert _parse(publication={"date": dt.date(2026, 3, 31), "contact": "x"}).publication


def test_the_demo_rounds_load() -> None:
    for name in ("demo-2024", "demo-2026"):
        assert load_round(name).round == name


def test_synthetic_as_text_is_refused_naming_key_value_and_what_is_allowed() -> None:
    message = _error(synthetic="false")
    assert message.startswith(SOURCE)
    assert "synthetic: 'false' (text) must be true or false, written without quotes" in message


def test_a_single_cpp_not_in_a_list_is_refused() -> None:
    assert "cpps: 'fife' (text) must be a list" in _error(cpps="fife")
    assert "lists fife more than once" in _error(cpps=["fife", "fife"])
    assert "must be a CPP slug" in _error(cpps=["../fife"])


def test_a_threshold_as_text_is_a_clear_error_not_a_traceback(capsys, tmp_path) -> None:
    message = _error(thresholds={"min_respondents_report": "5"})
    assert "thresholds.min_respondents_report: '5' (text) must be a whole number" in message
    # through the command line: exit 2 and one line, no traceback
    paths = _project(tmp_path, {**GOOD, "thresholds": {"min_respondents_report": "5"}})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPSA_ROOT", str(paths.root))
        assert cli.main(["params", "--round", "2026"]) == 2
    err = capsys.readouterr().err
    assert "min_respondents_report: '5'" in err and "Traceback" not in err


def test_unknown_and_missing_settings_are_listed_with_what_is_allowed() -> None:
    message = _error(colour="blue", thresholds={"colour": 1})
    assert "colour: unknown setting (allowed here: round, year," in message
    assert "thresholds.colour: unknown setting (allowed here: min_respondents_report" in message
    raw = dict(GOOD)
    del raw["seed"]
    with pytest.raises(ConfigError, match="seed: missing setting"):
        parse_round(raw, source=SOURCE)


def test_round_names_and_paths_in_the_config_are_checked(tmp_path) -> None:
    assert "baseline: '../../x' (text): must be a round name" in _error(baseline="../../x")
    assert "publication.date: '31/03/2026'" in _error(
        publication={"date": "31/03/2026", "contact": "x"}
    )
    paths = _project(tmp_path, {**GOOD, "export": "../../etc/passwd"})
    with pytest.raises(ConfigError, match="outside the project"):
        load_round("2026", paths)
    paths = _project(tmp_path / "b", {**GOOD, "round": "2027"})
    with pytest.raises(ConfigError, match="does not match the folder name '2026'"):
        load_round("2026", paths)


# --------------------------------------------------------------------------- floors (16.12)


@pytest.mark.parametrize("name", sorted(DISCLOSURE_FLOORS))
def test_a_threshold_below_its_disclosure_minimum_is_refused(name: str) -> None:
    floor = DISCLOSURE_FLOORS[name]
    message = _error(thresholds={name: floor - 1})
    assert f"thresholds.{name}: {floor - 1} is below the disclosure minimum {floor}" in message
    assert "allow_below_disclosure_minimum" in message
    assert getattr(_parse(thresholds={name: floor}).thresholds, name) == floor


def test_the_override_is_explicit_logged_and_carried_to_the_provenance(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    reason = "pilot round with boards of three, agreed with the data protection officer"
    with caplog.at_level(logging.WARNING, logger="cpsa.config"):
        cfg = _parse(
            thresholds={"min_respondents_report": 1}, allow_below_disclosure_minimum=reason
        )
    assert cfg.thresholds.min_respondents_report == 1
    assert cfg.disclosure_override == f"min_respondents_report 1 (minimum 5); reason: {reason}"
    assert "LOWERS A DISCLOSURE MINIMUM" in caplog.text and reason in caplog.text
    assert _parse(allow_below_disclosure_minimum=reason).disclosure_override is None
    assert "allow_below_disclosure_minimum: ''" in _error(
        thresholds={"min_respondents_report": 1}, allow_below_disclosure_minimum=""
    )

    from cpsa.pipeline import provenance

    paths = _project(
        tmp_path,
        {**GOOD, "thresholds": {"min_group_cpp": 3}, "allow_below_disclosure_minimum": reason},
    )
    rows = dict(provenance.collect(round_="2026", paths=paths).rows())
    assert rows["DISCLOSURE MINIMUM LOWERED"].startswith("min_group_cpp 3 (minimum 5)")


# --------------------------------------------------------------------------- YAML (16.11)


def test_a_591_byte_billion_laughs_is_refused_in_under_a_second(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS.encode()) == 591
    paths = _project(tmp_path, None, text=BILLION_LAUGHS)
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"YAML aliases \(\*a\) are not allowed"):
        load_round("2026", paths)
    assert time.perf_counter() - start < 1.0


def test_the_safe_loader_refuses_aliases_merge_keys_objects_and_huge_files(
    tmp_path: Path,
) -> None:
    assert load_yaml_text("a: &x 1\nb: 2\n", source="t") == {"a": 1, "b": 2}  # anchor alone
    with pytest.raises(ConfigError, match="aliases"):
        load_yaml_text("a: &x {k: 1}\nb:\n  <<: *x\n", source="t")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_yaml_text("a: !!python/object/apply:os.system ['true']\n", source="t")
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 2_000_001 + "\n")
    with pytest.raises(ConfigError, match="too large"):
        load_yaml_file(big)


def test_every_yaml_reader_of_cpsa_uses_the_safe_loader() -> None:
    src = Path(__file__).resolve().parents[2] / "src" / "cpsa"
    offenders = [
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if p.name != "config.py"
        and ("yaml.safe_load(" in p.read_text() or "yaml.load(" in p.read_text())
    ]
    assert offenders == [], offenders


# --------------------------------------------------------------------------- names (16.10)


@pytest.mark.parametrize(
    "bad",
    ["../../evil", "", "x src", "2026/..", "2026\n", "demo-2026;rm", "/tmp/2026", "DEMO-2026"],
)
def test_bad_round_names_are_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a valid round name"):
        check_round_name(bad)
    paths = Paths(root=tmp_path)
    for where in (paths.round_params, paths.processed, paths.round_outputs, paths.reports):
        with pytest.raises(ConfigError):
            where(bad)


def test_good_names_pass() -> None:
    for good in ("2026", "demo-2026", "2026-pilot", "t-2024"):
        assert check_round_name(good) == good
    for slug in ("fife", "perth-and-kinross", "na-h-eileanan-siar"):
        assert check_slug(slug) == slug
    for bad in ("Fife", "fife;x", "-fife", "fife--x", "../fife", ""):
        with pytest.raises(ConfigError, match="not a valid CPP slug"):
            check_slug(bad)


def test_cpsa_params_with_a_path_as_round_writes_nothing_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "a" / "b" / "project"
    project.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPSA_ROOT", str(project))
        for command in ("params", "build", "verify", "ingest", "tables"):
            assert cli.main([command, "--round", "../../evil"]) == 2, command
            assert "not a valid round name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "project"]


def _project(root: Path, cfg: dict | None, *, text: str | None = None) -> Paths:
    folder = root / "params" / "2026"
    folder.mkdir(parents=True)
    (folder / "round.yaml").write_text(text if text is not None else yaml.safe_dump(cfg))
    return Paths(root=root)
