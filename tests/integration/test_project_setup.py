"""Issue 2: the project sets itself up reproducibly and keeps confidential data out of git."""

from __future__ import annotations

import json
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
    (tmp_path / "params" / "r2026").mkdir(parents=True)
    cfg = {
        "round": "r2026",
        "year": 2026,
        "title": "t",
        "synthetic": False,
        "export": "../../etc/passwd",
        "codebook": "x",
        "cpps": ["fife"],
        "seed": 1,
    }
    (tmp_path / "params" / "r2026" / "round.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="outside the project"):
        load_round("r2026", paths)


def test_round_config_names_missing_and_unknown_settings(tmp_path):
    paths = Paths(root=tmp_path)
    (tmp_path / "params" / "r2026").mkdir(parents=True)
    (tmp_path / "params" / "r2026" / "round.yaml").write_text("round: r2026\ncolour: blue\n")
    with pytest.raises(ConfigError) as exc:
        load_round("r2026", paths)
    assert "missing setting(s): year" in str(exc.value)
    assert "unknown setting(s): colour" in str(exc.value)
    with pytest.raises(ConfigError, match="known rounds"):
        load_round("nope", paths)


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


def test_make_passes_cpp_only_when_given():
    """CPP is a built-in make variable ("cc -E"); it must not leak into our commands."""

    def dry(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-n", "--no-print-directory", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    verify_all = dry("verify", "ROUND=demo-2026")
    assert "--cpp" not in verify_all.stdout, verify_all.stdout
    assert "--cpp fife" in dry("verify", "ROUND=demo-2026", "CPP=fife").stdout
    assert "--cpp fife" in dry("report", "ROUND=demo-2026", "CPP=fife").stdout
    no_cpp = subprocess.run(
        ["make", "--no-print-directory", "report", "ROUND=demo-2026"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert no_cpp.returncode != 0 and "needs CPP=<slug>" in no_cpp.stderr
