"""Issue 2: the project sets itself up reproducibly and keeps confidential data out of git."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml
from helpers import REPO

from cpsa import atomic
from cpsa.config import ConfigError, Paths, load_round
from cpsa.lockfile import environment_yml, read_pins

ROOT = REPO


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def test_environment_yml_pins_exactly_the_locked_versions():
    lock = read_pins((ROOT / "requirements.lock").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    env_pins = read_pins("\n".join(pip_section))
    assert lock, "requirements.lock has no pins"
    disagree = {
        k: (lock.get(k), env_pins.get(k))
        for k in set(lock) | set(env_pins)
        if lock.get(k) != env_pins.get(k)
    }
    assert not disagree, f"environment.yml and requirements.lock disagree: {disagree}"
    assert any(str(d).startswith("quarto") for d in env["dependencies"]), "quarto missing"
    assert "python=3.11" in env["dependencies"]


def test_environment_yml_is_what_make_lock_generates():
    expected = environment_yml((ROOT / "requirements.lock").read_text())
    assert (ROOT / "environment.yml").read_text() == expected, "run `make lock`"


def test_lock_pins_every_declared_dependency():
    pyproject = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S).group(1)
    declared = re.findall(r'"([A-Za-z0-9_.\-]+)', block)
    pins = read_pins((ROOT / "requirements.lock").read_text())
    missing = [d for d in declared if d.lower().replace("_", "-") not in pins]
    assert not missing, f"not in requirements.lock: {missing}; run `make lock`"


def test_read_pins_detects_a_disagreement():
    assert read_pins("pandas==3.1.1\n") != read_pins("      - pandas==3.1.0\n")


def test_committed_notebooks_carry_no_outputs_or_execution_metadata():
    tracked = [p for p in git("ls-files", "*.ipynb").splitlines()]
    assert "notebooks/cpp_report.ipynb" in tracked
    for rel in tracked:
        nb = json.loads((ROOT / rel).read_text())
        assert "papermill" not in nb["metadata"], f"{rel}: papermill metadata"
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{rel} cell {i} has outputs"
                assert cell.get("execution_count") is None, f"{rel} cell {i} execution count"
            assert "execution" not in cell.get("metadata", {}), f"{rel} cell {i} timing"


def test_notebooks_have_front_matter_and_one_parameters_cell():
    for name in ("cpp_report.ipynb", "national_report.ipynb"):
        nb = json.loads((ROOT / "notebooks" / name).read_text())
        first = "".join(nb["cells"][0]["source"])
        assert nb["cells"][0]["cell_type"] == "raw" and first.startswith("---")
        front = yaml.safe_load(first.strip().strip("-"))
        assert front["execute"]["echo"] is False and "title" in front
        tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assert len(tagged) == 1, name
        assert nb["metadata"]["kernelspec"]["name"] == "cpsa"


def test_no_file_under_data_raw_is_tracked():
    tracked = git("ls-files", "data/raw", "data/processed", "outputs", ".venv").split()
    assert tracked == [], f"confidential or generated files tracked: {tracked}"


def test_gitignore_keeps_confidential_and_generated_folders_out(tmp_path):
    for probe in (
        "data/raw/2026/export.csv",
        "data/processed/x/y.parquet",
        "outputs/2026/reports/fife.html",
        ".venv/bin/python",
    ):
        out = subprocess.run(["git", "check-ignore", "-q", probe], cwd=ROOT)
        assert out.returncode == 0, f"{probe} is not git-ignored"


def test_make_help_lists_every_target():
    out = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.*)$", makefile, re.M).group(1).split()
    for target in phony:
        assert re.search(rf"^\s*\S*{re.escape(target)}\S*\s", out, re.M), f"{target} not in help"
    for required in ("reports", "test", "report", "national", "verify", "lab", "bench"):
        assert required in phony
    default = subprocess.run(
        ["make", "-n", "--no-print-directory"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "make targets" in default


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "set -euo pipefail" in ci
    assert re.search(r"^make test$", ci, re.M)
    assert "make test" in readme and "make reports" in readme


def test_round_config_rejects_paths_outside_the_project(tmp_path):
    paths = Paths(root=tmp_path)
    (tmp_path / "params" / "2026").mkdir(parents=True)
    cfg = {
        "round": "2026",
        "year": 2026,
        "title": "t",
        "synthetic": False,
        "export": "../../etc/passwd",
        "codebook": "x",
        "cpps": ["fife"],
        "seed": 1,
    }
    (tmp_path / "params" / "2026" / "round.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="outside the project"):
        load_round("2026", paths)


def test_round_config_names_missing_and_unknown_settings(tmp_path):
    paths = Paths(root=tmp_path)
    (tmp_path / "params" / "2026").mkdir(parents=True)
    (tmp_path / "params" / "2026" / "round.yaml").write_text("round: 2026\ncolour: blue\n")
    with pytest.raises(ConfigError) as exc:
        load_round("2026", paths)
    assert "year: missing setting" in str(exc.value)
    assert "colour: unknown setting" in str(exc.value)
    with pytest.raises(ConfigError, match="known rounds"):
        load_round("2099", paths)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "table.csv"
    atomic.write_text(target, "good\n")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"], "temporary file left behind"


def test_atomic_files_get_normal_permissions_not_mkstemp_0600(tmp_path):
    import os

    target = tmp_path / "report.html"
    atomic.write_text(target, "<p>hi</p>")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def _dry(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-n", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_make_passes_cpp_only_when_given():
    """CPP is a built-in make variable ("cc -E"); it must not leak into our commands."""
    verify_all = _dry("verify", "ROUND=demo-2026")
    assert "--cpp" not in verify_all.stdout, verify_all.stdout
    assert "--cpp 'fife'" in _dry("verify", "ROUND=demo-2026", "CPP=fife").stdout
    assert "--cpp 'fife'" in _dry("report", "ROUND=demo-2026", "CPP=fife").stdout
    no_cpp = subprocess.run(
        ["make", "--no-print-directory", "report", "ROUND=demo-2026"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert no_cpp.returncode != 0 and "needs CPP=<slug>" in no_cpp.stderr


# --------------------------------------------------------------------------- Makefile safety


@pytest.fixture
def make_copy(tmp_path):
    """A copy of the Makefile in a scratch project whose .venv holds fake cpsa/jupyter tools
    that record their arguments (one per line) instead of running."""
    project = tmp_path / "project"
    (project / ".venv" / "bin").mkdir(parents=True)
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        (project / name).write_bytes((ROOT / name).read_bytes())
    for tool in ("cpsa", "jupyter"):
        fake = project / ".venv" / "bin" / tool
        fake.write_text(f'#!/bin/bash\nprintf "%s\\n" "$@" > "{project}/{tool}.args"\n')
        fake.chmod(0o755)
    (project / ".venv" / ".cpsa-stamp").touch()
    for folder in ("src", "outputs/x", "outputs/2026", "data/processed/2026"):
        (project / folder).mkdir(parents=True)
        (project / folder / "keep").write_text("keep")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep").write_text("outside the project")
    return project


def _make(project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "value",
    [
        "fife;touch {pwned}",
        "fife$(touch {pwned})",
        "$(shell touch {pwned})",
        "fife'; touch {pwned}; '",
        "fife`touch {pwned}`",
        "../../x",
        "fife angus",
    ],
)
def test_make_refuses_a_cpp_with_shell_syntax_and_runs_nothing(make_copy, tmp_path, value):
    pwned = tmp_path / "pwned"
    before = _files(tmp_path)
    for target in ("report", "verify"):
        proc = _make(make_copy, target, f"CPP={value.format(pwned=pwned)}")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "is not a CPP slug" in proc.stderr
        assert not pwned.exists()
        assert not (make_copy / "cpsa.args").exists(), "cpsa ran with a bad CPP"
    assert _files(tmp_path) == before


@pytest.mark.parametrize("value", ["x src", "../../x", "", "x;rm -rf src", "$(shell rm -rf src)"])
def test_make_clean_outputs_refuses_a_bad_round(make_copy, tmp_path, value):
    before = _files(tmp_path)
    for target in ("clean-outputs", "reports", "params"):
        proc = _make(make_copy, target, f"ROUND={value}")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "is not a round name" in proc.stderr
    assert _files(tmp_path) == before
    assert not (make_copy / "cpsa.args").exists()


def test_make_clean_outputs_of_a_good_round_removes_only_that_round(make_copy):
    proc = _make(make_copy, "clean-outputs", "ROUND=2026")
    assert proc.returncode == 0, proc.stderr
    assert not (make_copy / "outputs" / "2026").exists()
    assert (make_copy / "outputs" / "x" / "keep").is_file()
    assert (make_copy / "src" / "keep").is_file()


def test_make_force_and_jobs_reach_cpsa_build(make_copy):
    args = make_copy / "cpsa.args"
    assert _make(make_copy, "report", "CPP=angus", "FORCE=1").returncode == 0
    assert args.read_text().split() == [
        "build", "--round", "demo-2026", "--cpp", "angus", "--force"
    ]  # fmt: skip
    assert _make(make_copy, "reports", "FORCE=1", "JOBS=3", "ROUND=2026").returncode == 0
    assert args.read_text().split() == ["build", "--round", "2026", "--jobs", "3", "--force"]
    assert _make(make_copy, "reports").returncode == 0
    assert args.read_text().split() == ["build", "--round", "demo-2026"]
    bad = _make(make_copy, "reports", "FORCE=yes")
    assert bad.returncode == 2 and "FORCE='yes'" not in bad.stderr and "FORCE=yes" in bad.stderr


def test_make_lab_takes_lab_args_and_allows_root(make_copy, tmp_path):
    pwned = tmp_path / "pwned"
    proc = _make(make_copy, "lab", f"LAB_ARGS=--no-browser --port=8899; touch {pwned}")
    assert proc.returncode == 0, proc.stderr
    args = (make_copy / "jupyter.args").read_text().splitlines()
    assert args[:2] == ["lab", "--notebook-dir=notebooks"]
    assert "--no-browser" in args and "--port=8899;" in args and not pwned.exists()
    assert ("--allow-root" in args) == (os.geteuid() == 0)


def test_make_help_writes_colour_only_to_a_terminal(make_copy):
    plain = _make(make_copy, "help")
    assert plain.returncode == 0 and "reports" in plain.stdout
    assert "\033" not in plain.stdout and "\x1b" not in plain.stdout
    import pty

    main, secondary = pty.openpty()
    try:
        subprocess.run(
            ["make", "--no-print-directory", "help"],
            cwd=make_copy,
            stdout=secondary,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=True,
        )
        coloured = os.read(main, 65536)
    finally:
        os.close(main)
        os.close(secondary)
    assert b"\x1b[1m" in coloured


def test_readme_example_cpp_has_a_baseline():
    readme = (ROOT / "README.md").read_text()
    examples = set(re.findall(r"make (?:report|verify) ROUND=demo-2026 CPP=([a-z-]+)", readme))
    assert examples, "README has no `make report ROUND=demo-2026 CPP=...` example"
    for cpp in examples:
        for name in ("demo-2024", "demo-2026"):
            assert cpp in load_round(name, Paths(root=ROOT)).cpps, (cpp, name)
    assert "LAB_ARGS" in readme and "--no-browser" in readme and "FORCE=1" in readme
