"""`cpsa build` end to end on the fixture round (three CPPs): Papermill + built-in renderer."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import yaml
from fixtures.project import CPPS, ROUND, make_project
from nbformat.v4 import new_code_cell
from pypdf import PdfReader

from cpsa import cli

pytestmark = pytest.mark.slow
REPORTS = ("national", *CPPS)


def _build(root: Path, monkeypatch: pytest.MonkeyPatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("CPSA_ROOT", str(root))
    monkeypatch.setenv("CPSA_RENDERER", "builtin")
    code = cli.main(["build", "--round", ROUND, *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, str]]:
    """The fixture round built once from scratch; tests copy it before changing anything."""
    root = make_project(tmp_path_factory.mktemp("built") / "project")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPSA_ROOT", str(root))
        mp.setenv("CPSA_RENDERER", "builtin")
        out = io.StringIO()
        with _redirect(out):
            code = cli.main(["build", "--round", ROUND])
    yield root, code, out.getvalue()


def _redirect(buffer: io.StringIO):
    import contextlib

    return contextlib.redirect_stdout(buffer)


def _copy(built_root: Path, dest: Path) -> Path:
    shutil.copytree(built_root, dest, symlinks=True)
    return dest


def _pdf_text(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "\n".join(p.extract_text() for p in reader.pages), reader


def _outputs(root: Path) -> dict[str, Path]:
    out = root / "outputs" / ROUND
    files = {}
    for r in REPORTS:
        files[f"{r}.html"] = out / "reports" / f"{r}.html"
        files[f"{r}.pdf"] = out / "reports" / f"{r}.pdf"
        files[f"{r}.ipynb"] = out / "notebooks" / f"{r}.ipynb"
    return files


def _pretend_the_data_step_wrote(root: Path, table: Path) -> None:
    """Record ``table``'s new content as what the last data step wrote."""
    import hashlib

    state_file = root / "outputs" / ROUND / ".state" / "data.json"
    state = json.loads(state_file.read_text())
    name = table.relative_to(root).as_posix()
    assert name in state["outputs"]
    state["outputs"][name] = hashlib.sha256(table.read_bytes()).hexdigest()
    state_file.write_text(json.dumps(state))


def test_first_build_makes_every_report(built: tuple[Path, int, str]) -> None:
    root, code, output = built
    assert code == 0, output
    for name, path in _outputs(root).items():
        assert path.is_file(), name
    assert "[4/4] built" in output
    assert f"round {ROUND}: 4 built, 0 up to date, 0 failed" in output
    assert f"reports:   outputs/{ROUND}/reports/" in output
    for cpp in CPPS:
        assert (root / "params" / ROUND / "cpp" / f"{cpp}.yaml").is_file()


def test_reports_hold_the_expected_headings_and_numbers(built: tuple[Path, int, str]) -> None:
    root, _, _ = built
    codebook = yaml.safe_load((root / "params/checklist/psif-board-v1.yaml").read_text())
    n_statements = len(codebook["statements"])
    items_csv = root / "outputs" / ROUND / "tables" / "by_cpp" / "fife" / "items.csv"
    first = list(csv.DictReader(items_csv.read_text().splitlines()))[:3]
    html = (root / "outputs" / ROUND / "reports" / "fife.html").read_text()
    text, reader = _pdf_text(root / "outputs" / ROUND / "reports" / "fife.pdf")
    for doc in (html, text):
        assert "Fixture report: fife" in doc
        assert f"Statements: {n_statements}." in doc
        for row in first:
            assert row["item"] in doc
    for row in first:
        assert f">{row['n_valid']}</td>" in html
        assert f">{row['n_positive']}</td>" in html
    assert '<html lang="en-GB">' in html
    assert "<title>Fife CPP board self-assessment demo-2030</title>" in html
    assert 'alt="Bar chart of fixture results for fife"' in html
    assert reader.metadata.title == "Fife CPP board self-assessment demo-2030"
    assert "SYNTHETIC DEMONSTRATION DATA" in text and "SYNTHETIC DEMONSTRATION DATA" in html
    # the injected parameters and the code never reach a report
    assert "injected-parameters" not in html and "csv.DictReader" not in html
    assert "csv.DictReader" not in text
    # the notebook ran in the project root
    nb = json.loads((root / "outputs" / ROUND / "notebooks" / "fife.ipynb").read_text())
    assert f"Working directory: {root}" in json.dumps(nb)
    assert nb["metadata"]["papermill"]["parameters"]["cpp"] == "fife"
    national, _ = _pdf_text(root / "outputs" / ROUND / "reports" / "national.pdf")
    assert "Fixture national overview" in national and f"Statements: {n_statements}." in national


def test_second_build_does_nothing_and_changes_rebuild_only_what_depends_on_them(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy(built[0], tmp_path / "project")
    before = {n: (p.read_bytes(), p.stat().st_mtime_ns) for n, p in _outputs(root).items()}
    start = time.perf_counter()
    code, output = _build(root, monkeypatch, capsys)
    elapsed = time.perf_counter() - start
    assert code == 0, output
    assert "4 of 4 report(s) up to date" in output
    assert f"round {ROUND}: 0 built, 4 up to date, 0 failed" in output
    assert elapsed < 2.0
    after = {n: (p.read_bytes(), p.stat().st_mtime_ns) for n, p in _outputs(root).items()}
    assert after == before

    # one CPP's data changes: only its report is rebuilt (a table the data step wrote
    # differently; a table edited by hand would be rewritten by the data step instead)
    moray_items = root / "outputs" / ROUND / "tables" / "by_cpp" / "moray" / "items.csv"
    moray_items.write_text(moray_items.read_text() + "\n")
    _pretend_the_data_step_wrote(root, moray_items)
    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    assert "[1/1] built moray" in output and "1 built, 3 up to date" in output

    # the CPP notebook changes: every CPP report is rebuilt, the national one is not
    nb_file = root / "notebooks" / "cpp_report.ipynb"
    nb = nbformat.read(nb_file, as_version=4)
    nb.cells.append(new_code_cell('Markdown("## Added section")', id="added"))
    nbformat.write(nb, nb_file)
    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    assert "3 built, 1 up to date" in output
    assert "Added section" in (root / "outputs" / ROUND / "reports" / "angus.html").read_text()
    assert (
        "Added section" not in (root / "outputs" / ROUND / "reports" / "national.html").read_text()
    )


def test_one_failing_notebook_leaves_the_others_built(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy(built[0], tmp_path / "project")
    for report in ("angus", "fife"):
        (root / "outputs" / ROUND / "reports" / f"{report}.html").unlink()
    previous_angus = (root / "outputs" / ROUND / "notebooks" / "angus.ipynb").read_bytes()
    nb_file = root / "notebooks" / "cpp_report.ipynb"
    nb = nbformat.read(nb_file, as_version=4)
    boom = 'if cpp == "angus":\n    raise RuntimeError("deliberate failure for angus")'
    nb.cells.insert(3, new_code_cell(boom, id="boom"))
    nbformat.write(nb, nb_file)
    code, output = _build(root, monkeypatch, capsys, "--jobs", "2")
    assert code == 1
    assert "FAILED angus: cell" in output and "RuntimeError: deliberate failure for angus" in output
    assert "2 built, 1 up to date, 1 failed" in output
    reports = root / "outputs" / ROUND / "reports"
    assert (reports / "fife.html").is_file() and not (reports / "angus.html").exists()
    notebooks = root / "outputs" / ROUND / "notebooks"
    failed = json.loads((notebooks / "angus.failed.ipynb").read_text())
    assert any(
        o.get("ename") == "RuntimeError" for c in failed["cells"] for o in c.get("outputs", [])
    )
    assert (notebooks / "angus.ipynb").read_bytes() == previous_angus
    # the failure is not remembered as up to date: the next build tries it again
    code, output = _build(root, monkeypatch, capsys, "--cpp", "angus")
    assert code == 1 and "FAILED angus" in output


def test_bad_requests_exit_2(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy(built[0], tmp_path / "project")
    code, output = _build(root, monkeypatch, capsys, "--cpp", "highland")
    assert code == 2 and "CPP 'highland' is not in round demo-2030" in output
    code, output = _build(root, monkeypatch, capsys, "--jobs", "0")
    assert code == 2 and "--jobs must be at least 1" in output
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CPSA_RENDERER", "quarto")
    code = cli.main(["build", "--round", ROUND, "--national-only"])
    assert code == 2 and "`quarto` is not on PATH" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_the_next_build_recovers(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = _copy(built[0], tmp_path / "project")
    for report in REPORTS:  # forget the reports (not the data), so all four rebuild
        (root / "outputs" / ROUND / ".state" / f"{report}.json").unlink()
    env = {**os.environ, "CPSA_ROOT": str(root), "CPSA_RENDERER": "builtin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cpsa", "build", "--round", ROUND, "--jobs", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line and not line.startswith("building"):
        line = proc.stdout.readline()
    time.sleep(3)  # kernels are starting or running
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "interrupted; finished outputs are intact" in err
    for path in (root / "outputs" / ROUND / "reports").glob("*.pdf"):
        data = path.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")

    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    assert "0 failed" in output
    for folder in ("reports", "notebooks"):
        hidden = [p.name for p in (root / "outputs" / ROUND / folder).iterdir()]
        assert not [n for n in hidden if n.startswith(".")], hidden


# --------------------------------------------------------------------------- issue 16


def test_a_missing_truncated_or_edited_delivered_file_is_rebuilt(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy(built[0], tmp_path / "project")
    reports = root / "outputs" / ROUND / "reports"
    names = ("fife.html", "angus.pdf", "moray-improvement-plan.xlsx")
    good = {n: (reports / n).read_bytes() for n in names}
    (reports / "fife.html").write_bytes(good["fife.html"][:1000])  # truncated
    pdf = bytearray(good["angus.pdf"])
    pdf[len(pdf) // 2] ^= 1  # hand-edited, same size
    (reports / "angus.pdf").write_bytes(bytes(pdf))
    (reports / "moray-improvement-plan.xlsx").unlink()
    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    assert "3 built, 1 up to date" in output, output
    from cpsa.config import Paths
    from cpsa.pipeline import manifest as mf
    from cpsa.pipeline.params import report_spec

    paths = Paths(root=root)
    for report in ("fife", "angus", "moray"):
        manifest = mf.read_manifest(paths, ROUND, report)
        assert manifest is not None
        assert mf.file_problems(manifest, report_spec(paths, ROUND, report), paths) == []
    # complete files again (the bytes may differ from the first build's only in the
    # provenance block, when the checkout's commit changed in between)
    assert (reports / "fife.html").read_bytes().rstrip().endswith(b"</html>")
    assert len((reports / "fife.html").read_bytes()) > 1000
    assert (reports / "angus.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert (reports / "moray-improvement-plan.xlsx").read_bytes().startswith(b"PK")
    code, output = _build(root, monkeypatch, capsys)
    assert "0 built, 4 up to date" in output, output


def test_a_deleted_table_file_is_not_up_to_date(
    built: tuple[Path, int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy(built[0], tmp_path / "project")
    comments = root / "outputs" / ROUND / "tables" / "by_cpp" / "fife" / "comments.csv"
    good = comments.read_bytes()
    comments.unlink()
    code, output = _build(root, monkeypatch, capsys)
    assert code == 0, output
    # the build's own summary line (ingest may still say its processed data is current)
    assert "steps:     data rebuilt" in output, output
    assert "steps:     data up to date" not in output, output
    assert comments.read_bytes() == good
    # the report was made from the same table: nothing to rebuild
    assert "0 built, 4 up to date" in output, output


def _workers(pid: int) -> list[int]:
    """The multiprocessing workers among a process's children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _published(root: Path) -> dict[str, bytes]:
    out = root / "outputs" / ROUND
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for folder in ("reports", "notebooks", "manifests")
        for p in sorted((out / folder).glob("*"))
        if p.is_file()
    }


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_kill_9_of_the_build_alone_leaves_no_worker_and_no_late_report(
    built: tuple[Path, int, str], tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = _copy(built[0], tmp_path / "project")
    nb_file = root / "notebooks" / "cpp_report.ipynb"
    nb = nbformat.read(nb_file, as_version=4)
    nb.cells.insert(3, new_code_cell("import time\ntime.sleep(12)", id="slow"))
    nbformat.write(nb, nb_file)
    env = {**os.environ, "CPSA_ROOT": str(root), "CPSA_RENDERER": "builtin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cpsa", "build", "--round", ROUND, "--jobs", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        while line and not line.startswith("building"):
            line = proc.stdout.readline()
        assert line, "the build never started its workers"
        time.sleep(3)
        workers = _workers(proc.pid)
        assert workers, "no worker processes found"
        before = _published(root)
        os.kill(proc.pid, signal.SIGKILL)  # the build process only, not its group
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_running(w) for w in workers):
            assert time.monotonic() < deadline, "workers outlived the killed build"
            time.sleep(0.2)
        time.sleep(15)  # longer than the slow cell and a render: nothing may appear late
        assert _published(root) == before
    finally:
        import contextlib

        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()
