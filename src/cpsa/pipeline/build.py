"""``cpsa build``: a round's reports end to end, incrementally and in parallel.

ingest -> tables -> params -> execute (Papermill) -> render (HTML + PDF), for a
whole round, one CPP (``--cpp``) or the national overview (``--national-only``).

Incremental by content, not by mtimes: each step's inputs are hashed and the
digest of the last good run is kept in ``outputs/<round>/.state/``. A report is
rebuilt only when its notebook, the cpsa sources, its parameter file, its own
tables, the round's reference data or the renderer changed, or a file it
delivers is missing or differs from its manifest (``outputs/<round>/manifests/``,
see :mod:`cpsa.pipeline.manifest`). The data step is redone when its inputs
changed or a table it wrote is missing or altered. A no-op build therefore only
hashes files: no kernel starts and no heavy module is imported.

Every output of a report (executed notebook, HTML, PDF, workbook, ...) is first
written to a private staging folder ``outputs/<round>/.stage-<report>-*``; only
when all of them are complete does the build process (which holds the round's
lock) move them into place together and write the manifest. A failure leaves the
previous complete set of files. Workers die with the build process (parent-death
signal plus a watchdog) and never write outside their staging folder.

Reports run in a pool of worker processes (``--jobs``, default one per core),
each reusing its imported renderer for every report it builds. A failing report
does not stop the others; the exit code is 0 (all good), 1 (a report failed) or
2 (bad input or configuration). Ctrl-C stops the workers; finished reports stay
in place and the next build picks up the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cpsa
from cpsa import atomic
from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.pipeline import manifest as mf
from cpsa.pipeline.params import NATIONAL, ReportSpec, report_spec

log = logging.getLogger("cpsa.pipeline.build")

SYNTHETIC_BANNER = "SYNTHETIC DEMONSTRATION DATA"
STATE_VERSION = 2  # bump when the digest recipe changes, so every report rebuilds once
SOURCES = Path(cpsa.__file__).resolve().parent
STAGE_PREFIX = ".stage-"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ReportTask:
    """Everything a worker needs to build one report (picklable)."""

    round: str
    report: str
    notebook: Path
    parameters: dict[str, Any]
    root: Path
    outputs: dict[str, Path]  # role -> final path (manifest.report_outputs)
    title: str
    subtitle: str | None
    banner: str | None
    timestamp: int
    renderer: str
    timeout: int


@dataclass(frozen=True)
class ReportOutcome:
    report: str
    status: str  # "built" | "skipped" | "failed"
    seconds: float = 0.0
    message: str = ""
    phases: tuple[tuple[str, float], ...] = ()  # (step, seconds), for the log
    stage: Path | None = None  # the staging folder holding the new outputs (parent publishes)
    failed_copy: Path | None = None  # a failed notebook's executed copy, in the staging folder


@dataclass(frozen=True)
class BuildSummary:
    round: str
    outcomes: tuple[ReportOutcome, ...]
    reports_dir: Path
    notebooks_dir: Path
    seconds: float
    stages: dict[str, str] = field(default_factory=dict)

    def by_status(self, status: str) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def exit_code(self) -> int:
        return 1 if self.by_status("failed") else 0


# --------------------------------------------------------------------------- digests


def _hash_files(h: Any, files: Iterable[Path], *, base: Path) -> None:
    for f in sorted(files):
        h.update(f.relative_to(base).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())


def _files_under(folder: Path, *, recursive: bool = True) -> list[Path]:
    if not folder.is_dir():
        return []
    pattern = folder.rglob("*") if recursive else folder.glob("*")
    return [
        p for p in pattern if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]


def source_digest() -> str:
    """Digest of the installed cpsa sources and templates (what every report runs)."""
    h = hashlib.sha256()
    _hash_files(h, _files_under(SOURCES), base=SOURCES)
    return h.hexdigest()


def digest_of(*parts: str | bytes, files: Iterable[Path] = (), base: Path) -> str:
    h = hashlib.sha256(f"cpsa-state-{STATE_VERSION}".encode())
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    _hash_files(h, [f for f in files if f.is_file()], base=base)
    return h.hexdigest()


def _round_inputs(cfg: RoundConfig, paths: Paths) -> list[Path]:
    """Files the data steps (ingest + tables) of ``cfg`` read, baseline round included."""
    files = [paths.round_config_file(cfg.round), paths.checklists / f"{cfg.codebook}.yaml"]
    files.append(cfg.export_path(paths))
    if cfg.board_sizes:
        files.append(cfg.board_sizes_path(paths))  # type: ignore[arg-type]
    files += _files_under(paths.reference, recursive=False)
    files.append(paths.round_params(cfg.round) / "topics.yaml")  # analyst topic labels (h8)
    return files


def data_digest(cfg: RoundConfig, paths: Paths, src: str) -> str:
    files = _round_inputs(cfg, paths)
    if cfg.baseline and paths.round_config_file(cfg.baseline).is_file():
        files += _round_inputs(load_round(cfg.baseline, paths), paths)
    return digest_of("data", src, files=sorted(set(files)), base=paths.root)


def report_inputs(spec: ReportSpec, cfg: RoundConfig, paths: Paths) -> list[Path]:
    """What one report reads: its tables (only its own for a CPP) plus shared reference data."""
    tables = paths.tables(cfg.round)
    if spec.is_national:
        mine = _files_under(tables, recursive=False)
    else:
        mine = _files_under(tables / "by_cpp" / spec.report)
    shared = [paths.round_config_file(cfg.round), paths.checklists / f"{cfg.codebook}.yaml"]
    shared += _files_under(paths.reference, recursive=False)
    manifest = paths.processed(cfg.round) / "manifest.json"  # provenance prints the data hash
    extra = [paths.notebooks / TECHNICAL_NOTEBOOK] if spec.is_national else []  # h8
    return [spec.notebook, spec.params_file, manifest, *shared, *mine, *extra]


# --------------------------------------------------------------------------- state


def _state_file(paths: Paths, round_: str, name: str) -> Path:
    return paths.round_outputs(round_) / ".state" / f"{name}.json"


def _read_state(paths: Paths, round_: str, name: str) -> dict[str, Any]:
    try:
        state = json.loads(_state_file(paths, round_, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _is_current(paths: Paths, round_: str, name: str, digest: str, outputs: list[Path]) -> bool:
    state = _read_state(paths, round_, name)
    return state.get("digest") == digest and all(p.is_file() for p in outputs)


def _mark_current(
    paths: Paths, round_: str, name: str, digest: str, outputs: dict[str, str] | None = None
) -> None:
    state: dict[str, Any] = {"digest": digest, "state_version": STATE_VERSION}
    if outputs is not None:
        state["outputs"] = outputs
    text = json.dumps(state, sort_keys=True)
    atomic.write_text(_state_file(paths, round_, name), text + "\n")


def _forget(paths: Paths, round_: str, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _state_file(paths, round_, name).unlink()


def _outputs_intact(recorded: Any, root: Path) -> bool:
    """Whether every file recorded as ``relpath -> sha256`` is still there, unchanged."""
    if not isinstance(recorded, dict) or not recorded:
        return False
    for name, sha in recorded.items():
        path = root / name
        if not path.is_file() or mf.sha256_file(path) != sha:
            return False
    return True


class RoundLock:
    """The round's build lock, held by the build process for the whole build."""

    def __init__(self, file: Path, handle: Any) -> None:
        self.file = file
        self.handle = handle

    def check(self) -> None:
        """Raise unless this process still holds the lock (checked before every swap)."""
        try:
            same = os.fstat(self.handle.fileno()).st_ino == os.stat(self.file).st_ino
        except (OSError, ValueError):
            same = False
        if not same:
            raise ConfigError(
                f"the build lock {self.file} was removed or replaced during the build; "
                "no further report is published. Run the build again."
            )


@contextlib.contextmanager
def _round_lock(paths: Paths, round_: str) -> Iterator[RoundLock]:
    """One build per round at a time (two would race for the same outputs)."""
    file = paths.round_outputs(round_) / ".state" / "build.lock"
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another `cpsa build --round {round_}` is running; wait for it to finish"
            ) from None
        try:
            yield RoundLock(file, handle)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of an interrupted build (safe: we hold the round's lock)."""
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if not p.name.startswith("."):
            continue
        if p.is_dir() and p.name.startswith((".render-", STAGE_PREFIX)):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and (".tmp" in p.name or p.suffix == ".ipynb"):
            p.unlink(missing_ok=True)


# --------------------------------------------------------------------------- steps


def ensure_data(cfg: RoundConfig, paths: Paths, *, src: str, force: bool = False) -> str:
    """Ingest and compute the round's tables unless their inputs are unchanged."""
    digest = data_digest(cfg, paths, src)
    rounds = [cfg.round]
    if cfg.baseline and paths.round_config_file(cfg.baseline).is_file():
        rounds.append(cfg.baseline)
    intact = all(_processed_intact(paths.processed(r)) for r in rounds)
    state = _read_state(paths, cfg.round, "data")
    # every table the step wrote must still be there, unchanged (a deleted comments.csv
    # is not "up to date": the step runs again and writes it)
    current = state.get("digest") == digest and _outputs_intact(state.get("outputs"), paths.root)
    if not force and intact and current:
        return "up to date"
    from cpsa.data.ingest import ingest_round
    from cpsa.tables.write import write_round_tables

    _forget(paths, cfg.round, "data")
    if cfg.baseline and paths.round_config_file(cfg.baseline).is_file():
        ingest_round(cfg.baseline, paths=paths)
    ingest_round(cfg.round, paths=paths)
    write_round_tables(cfg.round, out_dir=paths.tables(cfg.round), paths=paths)
    tables = mf.hash_inputs(_files_under(paths.tables(cfg.round)), paths.root)
    _mark_current(paths, cfg.round, "data", digest, outputs=tables)
    return "rebuilt"


def _processed_intact(folder: Path) -> bool:
    """Whether a processed folder still matches its manifest (cheap: hashes only, no pandas).

    Mirrors :func:`cpsa.data.ingest.processed_intact`, which cannot be imported here without
    pandas; a damaged folder makes the data step run, and ingest rebuilds it from the export.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        recorded = manifest["files"]
        return all(
            hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
            for name, sha in recorded.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def select_reports(
    cfg: RoundConfig, paths: Paths, *, cpp: str | None, national_only: bool
) -> list[str]:
    from cpsa.pipeline.params import participating_cpps

    cpps = participating_cpps(cfg, paths)
    if national_only:
        return [NATIONAL]
    if cpp is not None:
        if cpp not in cfg.cpps:
            raise ConfigError(
                f"CPP {cpp!r} is not in round {cfg.round}; it has: {', '.join(cfg.cpps)}"
            )
        if cpp not in cpps:
            raise ConfigError(
                f"CPP {cpp!r} has no report tables in round {cfg.round} (too few respondents?)"
            )
        return [cpp]
    return [NATIONAL, *cpps]


def document_timestamp(cfg: RoundConfig) -> int:
    """The PDF's date: ``SOURCE_DATE_EPOCH`` when set, else 1 January of the round's year."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    return int(dt.datetime(cfg.year, 1, 1, tzinfo=dt.UTC).timestamp())


def report_title(cfg: RoundConfig, report: str, paths: Paths) -> tuple[str, str]:
    """(title, subtitle) of a report."""
    if report == NATIONAL:
        return f"National overview {cfg.round}", cfg.title
    from cpsa.data.reference import load_reference

    name = load_reference(paths).cpp_name(report)
    # the cover must say who the report is for (issue 6), not only the body
    subtitle = f"{cfg.title}. Confidential to the {name} Community Planning Partnership board."
    return f"{name} CPP board self-assessment {cfg.round}", subtitle


# --------------------------------------------------------------------------- national extras

TECHNICAL_NOTEBOOK = "technical_report.ipynb"


def _write_national_extras(task: ReportTask, staged: dict[str, Path]) -> None:
    """The release tables and the technical report, into the national build's staging folder."""
    from cpsa.config import Paths as _Paths
    from cpsa.pipeline.execute import execute_report
    from cpsa.render import render_report
    from cpsa.tables.release import write_release

    paths = _Paths(root=task.root)
    write_release(task.round, paths=paths, folder=staged[mf.RELEASE_WORKBOOK].parent)
    execute_report(
        notebook=paths.notebooks / TECHNICAL_NOTEBOOK,
        parameters=task.parameters,
        target=staged[mf.TECHNICAL_NOTEBOOK],
        root=task.root,
        timeout=task.timeout,
        provenance=_provenance(task),
        published=task.outputs[mf.TECHNICAL_NOTEBOOK],
    )
    render_report(
        staged[mf.TECHNICAL_NOTEBOOK],
        html_target=staged[mf.TECHNICAL_HTML],
        pdf_target=staged[mf.TECHNICAL_PDF],
        title=f"Technical report {task.round}",
        subtitle=task.subtitle,
        banner=task.banner,
        timestamp=task.timestamp,
        renderer=task.renderer,
    )


# --------------------------------------------------------------------------- workers


def build_report(task: ReportTask) -> ReportOutcome:
    """Execute, then render one report into a staging folder; never raises for its own failure.

    Nothing is written outside the staging folder: the build process publishes a
    built report (:func:`publish`), so a worker that outlives its build cannot
    touch the published files.
    """
    from cpsa.pipeline.execute import ExecutionError, execute_report, failed_path

    start = time.perf_counter()
    phases: list[tuple[str, float]] = []

    def lap(step: str) -> None:
        phases.append((step, round(time.perf_counter() - start - sum(t for _, t in phases), 2)))

    def failed(message: str, **extra: Any) -> ReportOutcome:
        return ReportOutcome(
            task.report, "failed", time.perf_counter() - start, message, stage=stage, **extra
        )

    round_dir = task.root / "outputs" / task.round
    round_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{task.report}-", dir=round_dir))
    staged = {role: stage / path.relative_to(round_dir) for role, path in task.outputs.items()}
    for path in staged.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        execute_report(
            notebook=task.notebook,
            parameters=task.parameters,
            target=staged[mf.NOTEBOOK],
            root=task.root,
            timeout=task.timeout,
            provenance=_provenance(task),
            published=task.outputs[mf.NOTEBOOK],
        )
        lap("execute")
        if "plan" in staged:
            _write_kit(task, staged)
            lap("plan")
        # --- further delivered files (technical report, release): write each
        # to staged[<role>] here, after adding its role to manifest.delivered_files ---
        _render(task, staged)
        lap("render")
        if task.report == NATIONAL:
            _write_national_extras(task, staged)
            lap("technical report and release")
    except ExecutionError as exc:
        where = ""
        if exc.failed_copy:
            copy = _rel(failed_path(task.outputs[mf.NOTEBOOK]), task.root)
            where = f" (executed copy: {copy})"
        return failed(f"{exc}{where}", failed_copy=exc.failed_copy)
    except OSError as exc:  # disk full, read-only folder: say which folder and what to do
        log.debug("report %s failed", task.report, exc_info=True)
        return failed(os_error(exc))
    except Exception as exc:  # a renderer or plan failure must not stop the other reports
        log.debug("report %s failed", task.report, exc_info=True)
        message = f"{type(exc).__name__}: {exc}"
        if phases and phases[-1][0] in ("execute", "plan"):  # the render failed
            fault = locate_render_fault(task, staged[mf.NOTEBOOK])
            if fault:
                message += f"\n  at fault: {fault}"
        return failed(message)
    missing = [role for role, path in staged.items() if not path.is_file()]
    if missing:
        return failed(f"the build wrote no {', '.join(missing)} file")
    return ReportOutcome(
        task.report, "built", time.perf_counter() - start, phases=tuple(phases), stage=stage
    )


def _render(task: ReportTask, staged: dict[str, Path], executed: Path | None = None) -> None:
    from cpsa.render import render_report

    render_report(
        executed or staged[mf.NOTEBOOK],
        html_target=staged["html"],
        pdf_target=staged["pdf"],
        title=task.title,
        subtitle=task.subtitle,
        banner=task.banner,
        timestamp=task.timestamp,
        renderer=task.renderer,
    )


# ----------------------------------------------------------------- what broke a render

FAULT_SECONDS = 180.0  # time budget for finding the cell that breaks a render


def _displayed(cell: dict[str, Any]) -> str | None:
    """The Markdown a cell shows in the report (None if it shows nothing)."""
    if "parameters" in cell.get("metadata", {}).get("tags", []):
        return None
    if cell.get("cell_type") == "markdown":
        return _text(cell.get("source", ""))
    if cell.get("cell_type") == "code":
        parts = [
            _text(o["data"]["text/markdown"])
            for o in cell.get("outputs", [])
            if "text/markdown" in o.get("data", {})
        ]
        return "\n\n".join(parts) if parts else None
    return None


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _with_cells(nb: dict[str, Any], keep: list[int], last: tuple[int, str] | None) -> dict:
    """A copy of ``nb`` with only the front matter and the cells ``keep``.

    ``last`` = (index, text) replaces what cell ``index`` shows by ``text``.
    """
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if i == 0 and cell.get("cell_type") == "raw":
            cells.append(cell)
        elif i in keep:
            if last is not None and i == last[0]:
                cell = {"cell_type": "markdown", "metadata": {}, "source": last[1]}
                cell["id"] = nb["cells"][i].get("id", f"cell-{i}")
            cells.append(cell)
    return {**nb, "cells": cells}


def find_fault(
    nb: dict[str, Any], fails: Callable[[dict[str, Any]], bool], *, budget: float = FAULT_SECONDS
) -> str | None:
    """Which displayed cell (and which of its lines) makes ``fails`` true, by bisection.

    Renders prefixes of the report: the first cell whose addition makes the render
    fail is at fault, then the first of its lines likewise. None when the fault
    cannot be pinned down (e.g. it only appears with the whole report).
    """
    deadline = time.monotonic() + budget
    shown = [(i, t) for i, c in enumerate(nb["cells"]) if (t := _displayed(c)) is not None]
    if not shown:
        return None
    order = [i for i, _ in shown]

    def prefix_fails(k: int, last: tuple[int, str] | None = None) -> bool:
        if time.monotonic() > deadline:
            raise TimeoutError
        return fails(_with_cells(nb, order[:k], last))

    try:
        lo, hi = 1, len(order)  # the smallest k whose prefix fails lies in [lo, hi]
        if not prefix_fails(hi):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if prefix_fails(mid):
                hi = mid
            else:
                lo = mid + 1
        index, text = shown[lo - 1]
        lines = text.splitlines()
        a, b = 1, len(lines)
        while a < b:
            mid = (a + b) // 2
            if prefix_fails(lo, (index, "\n".join(lines[:mid]))):
                b = mid
            else:
                a = mid + 1
        line = lines[a - 1] if lines else ""
    except TimeoutError:
        return None
    cell = nb["cells"][index]
    what = f"cell {index}"
    if cell.get("id"):
        what += f" (id {cell['id']})"
    if cell.get("cell_type") == "code":
        what += f", output of: {_text(cell.get('source', '')).strip()[:80]!r}"
    shown_line = line if len(line) <= 160 else line[:157] + "..."
    return f"{what}, displayed line {a}: {shown_line!r}"


def locate_render_fault(task: ReportTask, executed: Path) -> str | None:
    """Name the cell and line that make this report's render fail (best effort)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))

    def fails(candidate: dict[str, Any]) -> bool:
        with tempfile.TemporaryDirectory(prefix=".fault-", dir=executed.parent) as tmp:
            folder = Path(tmp)
            probe = folder / "probe.ipynb"
            probe.write_text(json.dumps(candidate), encoding="utf-8")
            staged = {"html": folder / "probe.html", "pdf": folder / "probe.pdf"}
            try:
                _render(task, staged, executed=probe)
            except Exception:
                return True
            return False

    try:
        return find_fault(nb, fails)
    except Exception as exc:  # diagnosis must never hide the original failure
        log.debug("could not locate the render fault: %s", exc)
        return None


_WRITE_ERRORS = {errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EDQUOT}


def os_error(exc: OSError) -> str:
    """A file-system failure as a message naming the folder and the fix."""
    if exc.errno not in _WRITE_ERRORS:
        return f"{type(exc).__name__}: {exc}"
    name = exc.filename or exc.filename2
    where = f"cannot write in {Path(name).parent}" if name else "cannot write the outputs"
    return (
        f"{where}: {exc.strerror or exc} (make the folder writable or free some disk space, "
        "then build again; the previous outputs are untouched)"
    )


def _provenance(task: ReportTask) -> dict[str, Any] | None:
    try:
        from cpsa.pipeline import provenance
    except ImportError:  # provenance is optional: reports still build without it
        return None
    from cpsa.config import Paths as _Paths

    try:
        block = provenance.collect(
            round_=task.round, parameters=task.parameters, paths=_Paths(root=task.root)
        )
    except Exception as exc:  # a missing git or manifest must not cost the report
        log.warning("no provenance for %s: %s", task.report, exc)
        return None
    return {"provenance": block.as_dict() if hasattr(block, "as_dict") else block}


def _write_kit(task: ReportTask, staged: dict[str, Path]) -> None:
    """The CPP's workshop kit (improvement-plan workbook, Word report, slides), into staging."""
    from cpsa.config import Paths as _Paths
    from cpsa.report import workshop

    workshop.write_workshop_kit(
        task.round,
        task.report,
        paths=_Paths(root=task.root),
        executed=staged[mf.NOTEBOOK],
        tables_dir=_Paths(root=task.root).tables(task.round) / "by_cpp" / task.report,
        title=task.title,
        subtitle=task.subtitle,
        timestamp=task.timestamp,
        targets={"xlsx": staged["plan"], "docx": staged["docx"], "pptx": staged["pptx"]},
    )


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _worker_init(root: str, parent: int) -> None:
    # Ctrl-C is handled by the parent, which terminates the pool; a killed worker's
    # kernel exits with it (ipykernel watches its parent) and the next build removes
    # its staging folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["CPSA_ROOT"] = root
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Kill this process as soon as ``parent`` dies (even by ``kill -9``).

    Linux delivers SIGKILL on the parent's death (``PR_SET_PDEATHSIG``); a watchdog
    thread polling the parent's pid covers other systems and the moment before the
    signal was armed.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog still works
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os.kill(os.getpid(), signal.SIGKILL)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="cpsa-parent-watchdog", daemon=True).start()


def _run_tasks(
    tasks: list[ReportTask], *, jobs: int, on_done: Callable[[ReportOutcome], None]
) -> None:
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            on_done(build_report(task))
        return
    # spawn, not fork: by now the data steps (pyarrow, pandas) may have started
    # threads, and a forked child can inherit one of their locks held forever
    ctx = multiprocessing.get_context("spawn")
    pool = ctx.Pool(
        processes=min(jobs, len(tasks)),
        initializer=_worker_init,
        initargs=(str(tasks[0].root), os.getpid()),
    )
    try:
        for outcome in pool.imap_unordered(build_report, tasks):
            on_done(outcome)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


# --------------------------------------------------------------------------- publish


def report_digest(report: str, src: str, identity: str, inputs: dict[str, str]) -> str:
    """Digest of everything a report is made from (its inputs' hashes, code, renderer)."""
    text = json.dumps(inputs, sort_keys=True)
    return digest_of("report", report, src, identity, text, base=Path("."))


def _report_current(paths: Paths, spec: ReportSpec, digest: str) -> bool:
    """Up to date: same inputs as the last good build, and every output as it wrote them."""
    if not _is_current(paths, spec.round, spec.report, digest, []):
        return False
    manifest = mf.read_manifest(paths, spec.round, spec.report)
    if manifest is None or manifest.digest != digest:
        return False
    problems = mf.file_problems(manifest, spec, paths)
    if problems:
        log.info("report %s is rebuilt: %s", spec.report, "; ".join(problems))
    return not problems


def publish(
    outcome: ReportOutcome,
    spec: ReportSpec,
    paths: Paths,
    *,
    lock: RoundLock,
    digest: str,
    inputs: dict[str, str],
    code: dict[str, str],
) -> None:
    """Move a built report's staged files into place together, then write its manifest.

    Runs in the build process, which holds the round's lock (checked first). The
    state and manifest are removed before the first move, so an interruption
    mid-swap is never taken for a good build; if a move fails, the files already
    moved are put back, leaving the previous complete set (and its manifest).
    """
    assert outcome.stage is not None
    lock.check()
    stage, round_dir = outcome.stage, paths.round_outputs(spec.round)
    outputs = mf.report_outputs(spec, paths)
    roles = {path.relative_to(round_dir).as_posix(): role for role, path in outputs.items()}
    moves = sorted(
        (p.relative_to(stage).as_posix(), p)
        for p in stage.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(stage).parts)
    )
    files = {}
    for name, path in moves:
        rel_name = (round_dir / name).relative_to(paths.root).as_posix()
        size = path.stat().st_size
        files[rel_name] = {
            "role": roles.get(name, "extra"),
            "sha256": mf.sha256_file(path),
            "bytes": size,
        }
    _forget(paths, spec.round, spec.report)
    manifest_file = mf.manifest_file(paths, spec.round, spec.report)
    previous_manifest = manifest_file.read_bytes() if manifest_file.is_file() else None
    mf.forget_manifest(paths, spec.round, spec.report)
    backup = stage / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (final, backup of the previous file or None)
    try:
        for name, path in moves:
            final = round_dir / name
            final.parent.mkdir(parents=True, exist_ok=True)
            kept = None
            if final.is_file():
                kept = backup / name
                kept.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(final, kept)
                except OSError:
                    shutil.copy2(final, kept)
            os.replace(path, final)
            done.append((final, kept))
    except BaseException:
        for final, kept in reversed(done):
            with contextlib.suppress(OSError):
                if kept is None:
                    final.unlink()
                else:
                    os.replace(kept, final)
        if previous_manifest is not None:  # the previous set is back: so is its manifest
            with contextlib.suppress(OSError):
                atomic.write_bytes(manifest_file, previous_manifest)
        raise
    from cpsa.pipeline.execute import failed_path

    failed_path(outputs[mf.NOTEBOOK]).unlink(missing_ok=True)
    mf.Manifest(spec.round, spec.report, digest, code, inputs, files).write(paths)
    _mark_current(paths, spec.round, spec.report, digest)
    shutil.rmtree(stage, ignore_errors=True)


def _discard(outcome: ReportOutcome, spec: ReportSpec, paths: Paths, *, lock: RoundLock) -> None:
    """A failed report: keep the failed notebook for debugging, drop the rest of the stage.

    The previous report stays published but is no longer marked up to date, so the
    next build tries again.
    """
    _forget(paths, spec.round, spec.report)
    if outcome.failed_copy is not None and outcome.failed_copy.is_file():
        from cpsa.pipeline.execute import failed_path

        lock.check()
        target = failed_path(mf.executed_notebook(spec, paths))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(outcome.failed_copy, target)
    if outcome.stage is not None:
        shutil.rmtree(outcome.stage, ignore_errors=True)


# --------------------------------------------------------------------------- build


def build(
    round_: str,
    *,
    cpp: str | None = None,
    national_only: bool = False,
    jobs: int | None = None,
    force: bool = False,
    timeout: int | None = None,
    paths: Paths | None = None,
    echo: Callable[[str], None] = print,
) -> BuildSummary:
    """Build the selected reports of ``round_``; see the module docstring."""
    from cpsa.pipeline.execute import DEFAULT_TIMEOUT

    start = time.perf_counter()
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    jobs = jobs or os.cpu_count() or 1
    with _round_lock(paths, round_) as lock:
        _remove_leftovers(paths.round_outputs(round_))
        _remove_leftovers(paths.executed_notebooks(round_))
        _remove_leftovers(paths.reports(round_))
        src = source_digest()
        stages = {"data": ensure_data(cfg, paths, src=src, force=force)}
        from cpsa.pipeline.params import write_round_params

        written = write_round_params(round_, paths=paths)
        stages["params"] = f"{len(written.written)} written" if written.written else "up to date"
        selected = select_reports(cfg, paths, cpp=cpp, national_only=national_only)

        from cpsa.render import choose_renderer, renderer_identity

        renderer = choose_renderer()
        identity = renderer_identity(renderer)
        code = {"sources": src, "renderer": identity}
        outcomes: list[ReportOutcome] = []
        stale: list[tuple[ReportSpec, str, dict[str, Path]]] = []
        records: dict[str, tuple[ReportSpec, str, dict[str, str]]] = {}
        for report in selected:
            spec = report_spec(paths, round_, report)
            outs = mf.report_outputs(spec, paths)
            inputs = mf.hash_inputs(report_inputs(spec, cfg, paths), paths.root)
            digest = report_digest(report, src, identity, inputs)
            if not force and _report_current(paths, spec, digest):
                outcomes.append(ReportOutcome(report, "skipped"))
            else:
                stale.append((spec, digest, outs))
                records[report] = (spec, digest, inputs)
        tasks = _tasks(stale, cfg, paths, renderer=renderer, timeout=timeout or DEFAULT_TIMEOUT)
        if outcomes:
            echo(f"{len(outcomes)} of {len(selected)} report(s) up to date")
        done = 0

        def on_done(outcome: ReportOutcome) -> None:
            nonlocal done
            done += 1
            log.debug("report %s %s: %s", outcome.report, outcome.status, dict(outcome.phases))
            spec, digest, inputs = records[outcome.report]
            if outcome.status == "built":
                try:
                    publish(
                        outcome, spec, paths, lock=lock, digest=digest, inputs=inputs, code=code
                    )
                except OSError as exc:
                    log.debug("publishing %s failed", outcome.report, exc_info=True)
                    _discard(outcome, spec, paths, lock=lock)
                    message = os_error(exc)
                    outcome = ReportOutcome(outcome.report, "failed", outcome.seconds, message)
            else:
                _discard(outcome, spec, paths, lock=lock)
            if outcome.status == "built":
                echo(f"[{done}/{len(tasks)}] built {outcome.report} ({outcome.seconds:.1f} s)")
            else:
                echo(f"[{done}/{len(tasks)}] FAILED {outcome.report}: {outcome.message}")
            outcomes.append(outcome)

        if tasks:
            echo(f"building {len(tasks)} report(s) with {min(jobs, len(tasks))} worker(s)")
            _run_tasks(tasks, jobs=jobs, on_done=on_done)
    order = {r: i for i, r in enumerate(selected)}
    return BuildSummary(
        round=round_,
        outcomes=tuple(sorted(outcomes, key=lambda o: order[o.report])),
        reports_dir=paths.reports(round_),
        notebooks_dir=paths.executed_notebooks(round_),
        seconds=time.perf_counter() - start,
        stages=stages,
    )


def _tasks(
    stale: list[tuple[ReportSpec, str, dict[str, Path]]],
    cfg: RoundConfig,
    paths: Paths,
    *,
    renderer: str,
    timeout: int,
) -> list[ReportTask]:
    """Validate every stale report's parameters (all problems at once), then make tasks."""
    if not stale:
        return []
    from cpsa.pipeline.kernel import ensure_kernel
    from cpsa.pipeline.params import check_report

    problems: list[str] = []
    tasks: list[ReportTask] = []
    for spec, _, outs in stale:
        try:
            params = check_report(spec, paths=paths, cfg=cfg)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        title, subtitle = report_title(cfg, spec.report, paths)
        tasks.append(
            ReportTask(
                round=cfg.round,
                report=spec.report,
                notebook=spec.notebook,
                parameters=params,
                root=paths.root,
                outputs=outs,
                title=title,
                subtitle=subtitle,
                banner=SYNTHETIC_BANNER if cfg.synthetic else None,
                timestamp=document_timestamp(cfg),
                renderer=renderer,
                timeout=timeout,
            )
        )
    if problems:
        raise ConfigError("invalid report parameters:\n  " + "\n  ".join(problems))
    ensure_kernel()
    # the national overview is the longest report: start it first
    return sorted(tasks, key=lambda t: (t.report != NATIONAL, t.report))


def format_summary(summary: BuildSummary, root: Path) -> str:
    built, skipped, failed = (summary.by_status(s) for s in ("built", "skipped", "failed"))
    lines = [
        f"round {summary.round}: {len(built)} built, {len(skipped)} up to date, "
        f"{len(failed)} failed ({summary.seconds:.1f} s)",
        "steps:     " + ", ".join(f"{k} {v}" for k, v in summary.stages.items()),
        f"reports:   {_rel(summary.reports_dir, root)}/",
        f"notebooks: {_rel(summary.notebooks_dir, root)}/",
    ]
    for o in failed:
        lines.append(f"FAILED {o.report}: {o.message}")
    return "\n".join(lines)


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- CLI
