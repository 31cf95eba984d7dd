"""Bad input and faults: a clear error, a non-zero exit, previous outputs intact, recovery.

The fixture round (three CPPs, tiny notebooks) is built once per module; every test
works on its own copy, breaks one thing, checks the build refuses or fails cleanly
with the previous good files byte for byte unchanged, then shows that the next
plain ``cpsa build`` recovers without any manual clean-up.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fixtures.project import ROUND, make_project
from helpers import TESTS

from cpsa import cli

pytestmark = pytest.mark.slow
BAD = TESTS / "data" / "bad"
# Other engineers edit the cpsa sources while tests run; a changed source digest would
# rebuild every report and blur what each fault did, so these builds use a fixed one.
FIXED_SOURCES = "fault-tests"


@pytest.fixture(autouse=True)
def _fixed_source_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    import cpsa.pipeline.build

    monkeypatch.setattr(cpsa.pipeline.build, "source_digest", lambda: FIXED_SOURCES)


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("CPSA_ROOT", str(root))
    monkeypatch.setenv("CPSA_RENDERER", "builtin")
    code = cli.main([*args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _build(root: Path, monkeypatch, capsys, *args: str) -> tuple[int, str]:
    return _cli(root, monkeypatch, capsys, "build", "--round", ROUND, "--jobs", "1", *args)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = make_project(tmp_path_factory.mktemp("faults") / "project")
    with pytest.MonkeyPatch.context() as mp:
        import cpsa.pipeline.build

        mp.setattr(cpsa.pipeline.build, "source_digest", lambda: FIXED_SOURCES)
        mp.setenv("CPSA_ROOT", str(root))
        mp.setenv("CPSA_RENDERER", "builtin")
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = cli.main(["build", "--round", ROUND])
    assert code == 0, out.getvalue()
    yield root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return shutil.copytree(built, tmp_path / "project", symlinks=True)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every published file of the round (processed data, tables, notebooks, reports)."""
    folders = [root / "data" / "processed" / ROUND]
    folders += [
        root / "outputs" / ROUND / f for f in ("tables", "notebooks", "reports", "manifests")
    ]
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def hidden_leftovers(root: Path) -> list[str]:
    """Temporary files or folders (dot-names) left in the output and processed folders."""
    folders = [root / "outputs" / ROUND / f for f in ("tables", "notebooks", "reports")]
    folders.append(root / "data" / "processed")
    found = [p for folder in folders for p in folder.rglob(".*") if ".state" not in p.parts]
    # a report's staging folder, outputs/<round>/.stage-<report>-*
    found += [p for p in (root / "outputs" / ROUND).glob(".*") if p.name != ".state"]
    return sorted(p.relative_to(root).as_posix() for p in found)


def assert_recovers(root: Path, monkeypatch, capsys, *, expect_built: int | None = None) -> str:
    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    assert "0 failed" in output, output
    if expect_built is not None:
        assert f"{expect_built} built" in output, output
    assert hidden_leftovers(root) == []
    return output


def _forget(root: Path, report: str) -> None:
    (root / "outputs" / ROUND / ".state" / f"{report}.json").unlink()


# --------------------------------------------------------------------------- bad input


def test_broken_export_exits_2_and_keeps_the_previous_outputs(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    export = project / "data" / "demo" / ROUND / "export.csv"
    good = export.read_bytes()
    before = snapshot(project)
    broken = sorted(BAD.glob("*.csv"))
    assert len(broken) >= 10  # one per failure mode of the data issue
    for bad in broken:
        export.write_bytes(bad.read_bytes())
        code, output = _build(project, monkeypatch, capsys)
        assert code == 2, f"{bad.name}: {output}"
        assert "cpsa build: error:" in output, bad.name
        assert "Traceback" not in output, bad.name
        assert snapshot(project) == before, bad.name
    # a half-written export (cut in the middle of a row) is refused the same way
    export.write_bytes(good[: len(good) // 2])
    code, output = _build(project, monkeypatch, capsys)
    assert code == 2 and snapshot(project) == before, output
    export.write_bytes(good)
    output = assert_recovers(project, monkeypatch, capsys)
    assert "0 built, 4 up to date" in output  # same export as before: nothing to redo
    assert snapshot(project) == before


@pytest.mark.parametrize("table", ["responses", "comments"])
def test_damaged_processed_table_is_rebuilt_from_the_export(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
) -> None:
    before = snapshot(project)
    damaged = project / "data" / "processed" / ROUND / f"{table}.parquet"
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # a half-written file

    from cpsa.config import ConfigError, Paths
    from cpsa.data.ingest import load_processed

    with pytest.raises(ConfigError, match="damaged or was edited.*cpsa ingest --round"):
        load_processed(ROUND, paths=Paths(root=project))

    output = assert_recovers(project, monkeypatch, capsys, expect_built=0)
    assert "data rebuilt" in output
    # rebuilt from the export: the same bytes as the first build, and nothing else changed
    assert snapshot(project) == before


def test_params_naming_a_missing_cpp_or_an_outside_path_are_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    params = project / "params" / ROUND / "cpp" / "fife.yaml"
    good = params.read_text()
    before = snapshot(project)
    cases = {
        "cpp: highland": "CPP 'highland' is not in round demo-2030",
        # a CPP report's parameters are only round and cpp (issue 11)
        "tables_dir: /etc": "unknown parameter(s) tables_dir",
    }
    for edit, message in cases.items():
        key = edit.split(":")[0]
        lines = [edit if line.startswith(f"{key}:") else line for line in good.splitlines()]
        lines += [] if f"{key}:" in good else [edit]
        params.write_text("\n".join(lines) + "\n")
        # `cpsa verify` runs the committed parameter files as they are
        code, output = _cli(
            project, monkeypatch, capsys, "verify", "--round", ROUND, "--cpp", "fife"
        )
        assert code == 2, output
        assert message in output and "params/demo-2030/cpp/fife.yaml" in output, output
        assert snapshot(project) == before
        leftovers = list((project / "outputs" / ".verify").glob("*"))
        assert leftovers == [], f"verify left its scratch copy behind: {leftovers}"
    # `cpsa build` rewrites parameter files from round.yaml: the hand edit is undone
    code, output = _build(project, monkeypatch, capsys)
    assert code == 0, output
    assert yaml.safe_load(params.read_text()) == yaml.safe_load(good)
    assert snapshot(project) == before


# --------------------------------------------------------------------------- faults


def test_a_notebook_that_raises_keeps_the_failed_copy_and_the_previous_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell

    before = snapshot(project)
    nb_file = project / "notebooks" / "cpp_report.ipynb"
    original = nb_file.read_bytes()
    nb = nbformat.read(nb_file, as_version=4)
    boom = 'if cpp == "moray":\n    raise ValueError("deliberate failure for moray")'
    nb.cells.insert(3, new_code_cell(boom, id="boom"))
    nbformat.write(nb, nb_file)

    code, output = _build(project, monkeypatch, capsys)
    assert code == 1, output
    assert "FAILED moray" in output and "ValueError: deliberate failure for moray" in output
    assert "2 built, 1 up to date, 1 failed" in output
    failed = project / "outputs" / ROUND / "notebooks" / "moray.failed.ipynb"
    assert "deliberate failure for moray" in failed.read_text()
    after = snapshot(project)
    for name in ("reports/moray.html", "reports/moray.pdf", "notebooks/moray.ipynb"):
        key = f"outputs/{ROUND}/{name}"
        assert after[key] == before[key], name

    nb_file.write_bytes(original)
    output = assert_recovers(project, monkeypatch, capsys, expect_built=3)
    assert not failed.exists()  # the failed copy goes once the report builds again


def test_a_failing_renderer_keeps_the_previous_html_and_pdf(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cpsa.render.pdf

    before = snapshot(project)
    _forget(project, "fife")

    def broken(*args, **kwargs):
        raise RuntimeError("typst: compilation failed (simulated)")

    with monkeypatch.context() as mp:
        mp.setattr(cpsa.render.pdf, "render_pdf", broken)
        code, output = _build(project, monkeypatch, capsys, "--cpp", "fife")
    assert code == 1, output
    assert "FAILED fife: RuntimeError: typst: compilation failed (simulated)" in output
    after = snapshot(project)
    for ext in ("html", "pdf"):
        key = f"outputs/{ROUND}/reports/fife.{ext}"
        assert after[key] == before[key], ext
    assert hidden_leftovers(project) == []

    assert_recovers(project, monkeypatch, capsys, expect_built=1)


def test_a_render_failure_names_the_cell_and_line_and_keeps_the_whole_previous_set(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16.5: one comment breaks the PDF; the notebook and workbook are not new while the
    HTML and PDF are old, and the message says which cell and line are at fault."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    import cpsa.render.pdf

    before = snapshot(project)
    nb_file = project / "notebooks" / "cpp_report.ipynb"
    original = nb_file.read_bytes()
    nb = nbformat.read(nb_file, as_version=4)
    text = "Comments on this theme:\n\n- thanks to ZQBREAK council\n- a fine comment"
    nb.cells.insert(2, new_markdown_cell(text, id="breaker"))
    nbformat.write(nb, nb_file)
    real = cpsa.render.pdf.render_pdf

    def typst_like(prepared, **kwargs):
        if "ZQBREAK" in prepared.markdown:  # what Typst did with a citation-like "@word"
            raise RuntimeError("the document does not contain a bibliography")
        return real(prepared, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(cpsa.render.pdf, "render_pdf", typst_like)
        code, output = _build(project, monkeypatch, capsys, "--cpp", "fife")
    assert code == 1, output
    assert "FAILED fife: RuntimeError: the document does not contain a bibliography" in output
    assert re.search(
        r"at fault: cell \d+ \(id breaker\), displayed line 3: '- thanks to ZQBREAK council'",
        output,
    ), output
    after = snapshot(project)
    for name in ("reports/fife.html", "reports/fife.pdf", "reports/fife-improvement-plan.xlsx"):
        key = f"outputs/{ROUND}/{name}"
        assert after[key] == before[key], name
    key = f"outputs/{ROUND}/notebooks/fife.ipynb"
    assert after[key] == before[key], "the notebook is new while the report is old"
    assert set(after) == set(before)
    assert hidden_leftovers(project) == []

    nb_file.write_bytes(original)
    assert_recovers(project, monkeypatch, capsys, expect_built=1)


def _subprocess_build(root: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CPSA_ROOT": str(root), "CPSA_RENDERER": "builtin"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=TESTS,
    )


def test_a_renderer_killed_midway_leaves_nothing_half_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project)
    _forget(project, "fife")
    # the PDF step kills its own process (as the OOM killer or a closed laptop would)
    script = f"""
        import os, signal, sys
        import cpsa.pipeline.build, cpsa.render.pdf
        cpsa.pipeline.build.source_digest = lambda: "{FIXED_SOURCES}"
        def killed(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        cpsa.render.pdf.render_pdf = killed
        from cpsa import cli
        sys.exit(cli.main(["build", "--round", "{ROUND}", "--cpp", "fife", "--jobs", "1"]))
    """
    proc = _subprocess_build(project, script)
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    after = snapshot(project)
    for ext in ("html", "pdf"):
        key = f"outputs/{ROUND}/reports/fife.{ext}"
        assert after[key] == before[key], ext
    assert hidden_leftovers(project), "the kill should have left the render's scratch folder"
    assert_recovers(project, monkeypatch, capsys, expect_built=1)


def test_ctrl_c_during_execution_exits_130_and_the_next_build_finishes(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project)
    for report in ("national", "angus", "fife", "moray"):
        _forget(project, report)
    # Ctrl-C arrives while the second report's kernel is running
    script = f"""
        import signal, sys
        import cpsa.pipeline.build, cpsa.pipeline.execute
        cpsa.pipeline.build.source_digest = lambda: "{FIXED_SOURCES}"
        real = cpsa.pipeline.execute.execute_report
        calls = []
        def interrupted(**kwargs):
            # the national build also executes the technical report: count reports only
            if kwargs["notebook"].name != "technical_report.ipynb":
                calls.append(1)
            if len(calls) == 2:
                signal.raise_signal(signal.SIGINT)
            return real(**kwargs)
        cpsa.pipeline.execute.execute_report = interrupted
        from cpsa import cli
        sys.exit(cli.main(["build", "--round", "{ROUND}", "--jobs", "1"]))
    """
    proc = _subprocess_build(project, script)
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "interrupted; finished outputs are intact" in proc.stderr
    assert "[1/4] built national" in proc.stdout
    after = snapshot(project)
    assert set(after) == set(before)  # nothing half-written appears, nothing is lost
    for report in ("angus", "fife", "moray"):
        for ext in ("html", "pdf"):
            key = f"outputs/{ROUND}/reports/{report}.{ext}"
            assert after[key] == before[key], key
    output = assert_recovers(project, monkeypatch, capsys, expect_built=3)
    assert "1 of 4 report(s) up to date" in output


def _failing_replace(folder: Path, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every move into ``folder`` fail as a full or read-only disk would."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).resolve().parent == folder.resolve():
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_a_read_only_reports_folder_fails_clearly_and_recovers(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project)
    reports = project / "outputs" / ROUND / "reports"
    _forget(project, "angus")
    with monkeypatch.context() as mp:
        if os.geteuid() == 0:  # root ignores permission bits: simulate the file system's refusal
            _failing_replace(reports, errno.EROFS, mp)
        else:
            reports.chmod(0o555)
        try:
            code, output = _build(project, monkeypatch, capsys, "--cpp", "angus")
        finally:
            reports.chmod(0o755)
    assert code == 1, output
    assert f"FAILED angus: cannot write in {reports}" in output, output
    assert "make the folder writable" in output
    after = snapshot(project)
    published = [k for k in before if k.startswith(f"outputs/{ROUND}/reports/")]
    assert {k: after[k] for k in published} == {k: before[k] for k in published}
    assert set(after) == set(before)
    assert hidden_leftovers(project) == []
    assert_recovers(project, monkeypatch, capsys, expect_built=1)


def test_a_full_disk_while_writing_tables_fails_clearly_and_recovers(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = project / "outputs" / ROUND / "tables"
    lost = tables / "cpp_items.csv"
    good = lost.read_bytes()
    lost.unlink()  # the data step runs and has one table to write
    before = snapshot(project)
    with monkeypatch.context() as mp:
        _failing_replace(tables, errno.ENOSPC, mp)
        code, output = _build(project, monkeypatch, capsys)
    assert code == 1, output
    assert f"cpsa build: error: cannot write in {tables}: No space left on device" in output
    assert "Traceback" not in output
    assert snapshot(project) == before
    assert hidden_leftovers(project) == []
    assert not lost.exists()
    assert_recovers(project, monkeypatch, capsys)
    assert lost.read_bytes() == good
