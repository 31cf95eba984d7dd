"""cpsa.cli: every subcommand is declared here and only here, with clear exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpsa import cli

SRC = Path(cli.__file__).resolve().parent


def test_command_line_code_lives_only_in_the_cli_module() -> None:
    offenders = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if p.name != "cli.py"
        and ("import argparse" in p.read_text() or "def add_arguments(" in p.read_text())
    ]
    assert offenders == [], offenders


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_subcommand_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([name, "--help"])
    assert done.value.code == 0
    assert cli.COMMANDS[name].help in capsys.readouterr().out


def test_a_configuration_error_exits_2_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CPSA_ROOT", str(tmp_path))
    assert cli.main(["params", "--round", "../../evil"]) == 2
    err = capsys.readouterr().err
    assert "cpsa params: error: round '../../evil' is not a valid round name" in err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in written] in ([], ["cpsa.log"])  # only the log, no params


def test_no_command_prints_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
