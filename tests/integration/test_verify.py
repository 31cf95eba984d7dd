"""``cpsa verify`` as a reviewer runs it: a subprocess against a built fixture round.

Passes on an untouched build; fails (exit 1) with a diff naming the number when
one published number is changed, in a table or in an executed notebook's output;
refuses (exit 2) an unknown CPP or a round that was never built.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.project import ROUND, make_project
from helpers.fixture_builds import RealBuild, copy_build, real_build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> RealBuild:
    build = real_build(tmp_path_factory, "a")
    assert build.exit_code == 0, build.console
    return build


def verify(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CPSA_ROOT": str(root), "CPSA_RENDERER": "builtin"}
    return subprocess.run(
        [sys.executable, "-m", "cpsa", "verify", "--round", ROUND, "--jobs", "2", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_an_untouched_build_verifies(built: RealBuild, tmp_path: Path) -> None:
    root = copy_build(built, tmp_path / "project")
    proc = verify(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verify demo-2030: OK" in proc.stdout
    assert "DIFFERS" not in proc.stdout + proc.stderr
    # a passing verify leaves no scratch copy behind
    assert not list((root / "outputs" / ".verify").glob(f"{ROUND}-*"))


def _tamper_table(root: Path) -> tuple[str, str]:
    """Add one to the first count of fife's item table; returns (old, new) row text."""
    file = root / "outputs" / ROUND / "tables" / "by_cpp" / "fife" / "items.csv"
    rows = list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["n_valid"])
    old = f"{row['item']}: n_valid {row['n_valid']}"
    row["n_valid"] = str(int(row["n_valid"]) + 1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    file.write_text(out.getvalue(), encoding="utf-8")
    return old, row["n_valid"]


def test_a_changed_number_in_a_table_fails_with_a_diff(built: RealBuild, tmp_path: Path) -> None:
    root = copy_build(built, tmp_path / "project")
    _, new_value = _tamper_table(root)
    proc = verify(root, "--cpp", "fife")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "DIFFERS: by_cpp/fife/items.csv" in output
    minus = [line for line in output.splitlines() if line.startswith("-") and "---" not in line]
    assert any(f",{new_value}," in line for line in minus), output  # the published (tampered)
    # the report was built from the table as it was: the manifest says it changed since
    assert f"input outputs/{ROUND}/tables/by_cpp/fife/items.csv: changed since the build" in output
    assert "verify demo-2030: FAILED — 2 difference(s)" in output


def _tamper_notebook(root: Path) -> tuple[str, str]:
    """Change the first number in a text output of fife's executed notebook."""
    import re

    file = root / "outputs" / ROUND / "notebooks" / "fife.ipynb"
    nb = json.loads(file.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            for mime in ("text/markdown", "text/plain"):
                text = output.get("data", {}).get(mime)
                if text is None:
                    continue
                joined = "".join(text) if isinstance(text, list) else text
                # a percentage such as 67% or 67.3%: a published result, not provenance
                m = re.search(r"\b(\d+(?:\.\d+)?)%", joined)
                if not m:
                    continue
                old = m.group(0)
                new = f"{float(m.group(1)) + 11:g}%"
                output["data"][mime] = joined[: m.start()] + new + joined[m.end() :]
                file.write_text(json.dumps(nb, indent=1), encoding="utf-8")
                return old, new
    raise AssertionError("fife's executed notebook has no percentage to tamper with")


def test_a_changed_number_in_a_notebook_fails_with_a_diff(built: RealBuild, tmp_path: Path) -> None:
    root = copy_build(built, tmp_path / "project")
    old, new = _tamper_notebook(root)
    proc = verify(root, "--cpp", "fife")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "DIFFERS: fife.ipynb cell" in output
    lines = output.splitlines()
    assert any(line.startswith("-") and new in line for line in lines), output
    assert any(line.startswith("+") and old in line for line in lines), output


def test_a_truncated_or_edited_delivered_file_fails(built: RealBuild, tmp_path: Path) -> None:
    """Issue 16.7: verify checks the files boards receive, not only notebooks and tables."""
    root = copy_build(built, tmp_path / "project")
    reports = root / "outputs" / ROUND / "reports"
    html = (reports / "fife.html").read_text(encoding="utf-8")
    edited = html.replace("</td>", "9</td>", 1)  # a hand edit of one number
    assert edited != html
    (reports / "fife.html").write_text(edited, encoding="utf-8")
    pdf = (reports / "fife.pdf").read_bytes()
    (reports / "fife.pdf").write_bytes(pdf[:1000])
    proc = verify(root, "--cpp", "fife")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert f"DIFFERS: fife (delivered files vs outputs/{ROUND}/manifests/fife.json)" in output
    assert f"outputs/{ROUND}/reports/fife.html: " in output and "(truncated or edited)" in output
    assert f"outputs/{ROUND}/reports/fife.pdf: 1000 bytes, the build wrote" in output
    (root / "outputs" / ROUND / "manifests" / "fife.json").unlink()
    proc = verify(root, "--cpp", "fife")
    assert proc.returncode == 1 and "no build manifest" in proc.stdout + proc.stderr


def test_an_unknown_cpp_exits_2(built: RealBuild, tmp_path: Path) -> None:
    proc = verify(built.root, "--cpp", "atlantis")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "'atlantis' is not a CPP of round demo-2030" in proc.stderr
    assert "angus, fife, moray" in proc.stderr


def test_an_unbuilt_round_exits_2(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", notebooks="fixture")
    proc = verify(root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "build it first" in proc.stderr and "Traceback" not in proc.stderr
