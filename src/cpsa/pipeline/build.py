"""``cpsa build``: a round's reports end to end, incrementally and in parallel.

ingest -> tables -> params -> execute (Papermill) -> render (HTML + PDF), for a
whole round, one CPP (``--cpp``) or the national overview (``--national-only``).

Incremental by content, not by mtimes: each step's inputs are hashed and the
digest of the last good run is kept in ``outputs/<round>/.state/``. A report is
rebuilt only when its notebook, the cpsa sources, its parameter file, its own
tables, the round's reference data or the renderer changed, or an output is
missing. A no-op build therefore only
hashes files: no kernel starts and no heavy module is imported.

Reports run in a pool of worker processes (``--jobs``, default one per core),
each reusing its imported renderer for every report it builds. A failing report
does not stop the others; the exit code is 0 (all good), 1 (a report failed) or
2 (bad input or configuration). Ctrl-C stops the workers; finished reports stay
in place and the next build picks up the rest.
"""

from __future__ import annotations

import argparse
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
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cpsa
from cpsa import atomic
from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.pipeline.params import NATIONAL, ReportSpec, report_spec

log = logging.getLogger("cpsa.pipeline.build")

SYNTHETIC_BANNER = "SYNTHETIC DEMONSTRATION DATA"
STATE_VERSION = 1  # bump when the digest recipe changes, so every report rebuilds once
SOURCES = Path(cpsa.__file__).resolve().parent


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ReportTask:
    """Everything a worker needs to build one report (picklable)."""

    round: str
    report: str
    notebook: Path
    parameters: dict[str, Any]
    root: Path
    executed: Path
    html: Path
    pdf: Path
    plan: Path | None  # improvement-plan spreadsheet, CPP reports only
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
    return [spec.notebook, spec.params_file, manifest, *shared, *mine]


# --------------------------------------------------------------------------- state


def _state_file(paths: Paths, round_: str, name: str) -> Path:
    return paths.round_outputs(round_) / ".state" / f"{name}.json"


def _is_current(paths: Paths, round_: str, name: str, digest: str, outputs: list[Path]) -> bool:
    file = _state_file(paths, round_, name)
    try:
        state = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return state.get("digest") == digest and all(p.is_file() for p in outputs)


def _mark_current(paths: Paths, round_: str, name: str, digest: str) -> None:
    text = json.dumps({"digest": digest, "state_version": STATE_VERSION}, sort_keys=True)
    atomic.write_text(_state_file(paths, round_, name), text + "\n")


def _forget(paths: Paths, round_: str, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _state_file(paths, round_, name).unlink()


@contextlib.contextmanager
def _round_lock(paths: Paths, round_: str) -> Iterator[None]:
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
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of an interrupted build (safe: we hold the round's lock)."""
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if not p.name.startswith("."):
            continue
        if p.is_dir() and p.name.startswith(".render-"):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and (".tmp" in p.name or p.suffix == ".ipynb"):
            p.unlink(missing_ok=True)


# --------------------------------------------------------------------------- steps


def ensure_data(cfg: RoundConfig, paths: Paths, *, src: str, force: bool = False) -> str:
    """Ingest and compute the round's tables unless their inputs are unchanged."""
    digest = data_digest(cfg, paths, src)
    outputs = [
        paths.processed(cfg.round) / "manifest.json",
        paths.tables(cfg.round) / "cpp_items.csv",
    ]
    rounds = [cfg.round]
    if cfg.baseline and paths.round_config_file(cfg.baseline).is_file():
        rounds.append(cfg.baseline)
    intact = all(_processed_intact(paths.processed(r)) for r in rounds)
    if not force and intact and _is_current(paths, cfg.round, "data", digest, outputs):
        return "up to date"
    from cpsa.data.ingest import ingest_round
    from cpsa.tables.write import write_round_tables

    _forget(paths, cfg.round, "data")
    if cfg.baseline and paths.round_config_file(cfg.baseline).is_file():
        ingest_round(cfg.baseline, paths=paths)
    ingest_round(cfg.round, paths=paths)
    write_round_tables(cfg.round, out_dir=paths.tables(cfg.round), paths=paths)
    _mark_current(paths, cfg.round, "data", digest)
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


def _outputs(paths: Paths, round_: str, report: str, *, with_plan: bool) -> dict[str, Path]:
    reports = paths.reports(round_)
    out = {
        "executed": paths.executed_notebooks(round_) / f"{report}.ipynb",
        "html": reports / f"{report}.html",
        "pdf": reports / f"{report}.pdf",
    }
    if with_plan and report != NATIONAL:
        out["plan"] = reports / f"{report}-improvement-plan.xlsx"
    return out


def _has_improvement_plan() -> bool:
    return (SOURCES / "improvement_plan.py").is_file()


# --------------------------------------------------------------------------- workers


def build_report(task: ReportTask) -> ReportOutcome:
    """Execute, then render one report; never raises for a report's own failure."""
    from cpsa.pipeline.execute import ExecutionError, execute_report
    from cpsa.render import render_report

    start = time.perf_counter()
    phases: list[tuple[str, float]] = []

    def lap(step: str) -> None:
        phases.append((step, round(time.perf_counter() - start - sum(t for _, t in phases), 2)))

    try:
        execute_report(
            notebook=task.notebook,
            parameters=task.parameters,
            target=task.executed,
            root=task.root,
            timeout=task.timeout,
            provenance=_provenance(task),
        )
        lap("execute")
        if task.plan is not None:
            _write_plan(task)
            lap("plan")
        task.html.parent.mkdir(parents=True, exist_ok=True)
        render_report(
            task.executed,
            html_target=task.html,
            pdf_target=task.pdf,
            title=task.title,
            subtitle=task.subtitle,
            banner=task.banner,
            timestamp=task.timestamp,
            renderer=task.renderer,
        )
        lap("render")
    except ExecutionError as exc:
        where = f" (executed copy: {_rel(exc.failed_copy, task.root)})" if exc.failed_copy else ""
        return ReportOutcome(task.report, "failed", time.perf_counter() - start, f"{exc}{where}")
    except OSError as exc:  # disk full, read-only folder: say which folder and what to do
        log.debug("report %s failed", task.report, exc_info=True)
        return ReportOutcome(task.report, "failed", time.perf_counter() - start, os_error(exc))
    except Exception as exc:  # a renderer or plan failure must not stop the other reports
        log.debug("report %s failed", task.report, exc_info=True)
        message = f"{type(exc).__name__}: {exc}"
        return ReportOutcome(task.report, "failed", time.perf_counter() - start, message)
    return ReportOutcome(task.report, "built", time.perf_counter() - start, phases=tuple(phases))


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


def _write_plan(task: ReportTask) -> None:
    from cpsa.config import Paths as _Paths
    from cpsa.report import improvement_plan

    assert task.plan is not None
    with atomic.atomic_path(task.plan, suffix=".tmp.xlsx") as tmp:
        improvement_plan.write_plan(
            round_=task.round,
            cpp=task.report,
            # h1 (issue 11): a CPP notebook's parameters are only round and cpp
            tables_dir=_Paths(root=task.root).tables(task.round) / "by_cpp" / task.report,
            target=tmp,
            paths=_Paths(root=task.root),
        )


def _worker_init(root: str) -> None:
    # Ctrl-C is handled by the parent, which terminates the pool; a killed worker's
    # kernel exits with it (ipykernel watches its parent) and the next build removes
    # its temporary files
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["CPSA_ROOT"] = root


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
        processes=min(jobs, len(tasks)), initializer=_worker_init, initargs=(str(tasks[0].root),)
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
    with _round_lock(paths, round_):
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
        with_plan = _has_improvement_plan()
        outcomes: list[ReportOutcome] = []
        stale: list[tuple[ReportSpec, str, dict[str, Path]]] = []
        for report in selected:
            spec = report_spec(paths, round_, report)
            outs = _outputs(paths, round_, report, with_plan=with_plan)
            files = report_inputs(spec, cfg, paths)
            digest = digest_of("report", report, src, identity, files=files, base=paths.root)
            if not force and _is_current(paths, round_, report, digest, list(outs.values())):
                outcomes.append(ReportOutcome(report, "skipped"))
            else:
                stale.append((spec, digest, outs))
        tasks = _tasks(stale, cfg, paths, renderer=renderer, timeout=timeout or DEFAULT_TIMEOUT)
        digests = {spec.report: digest for spec, digest, _ in stale}
        if outcomes:
            echo(f"{len(outcomes)} of {len(selected)} report(s) up to date")
        done = 0

        def on_done(outcome: ReportOutcome) -> None:
            nonlocal done
            done += 1
            log.debug("report %s %s: %s", outcome.report, outcome.status, dict(outcome.phases))
            if outcome.status == "built":
                _mark_current(paths, round_, outcome.report, digests[outcome.report])
                echo(f"[{done}/{len(tasks)}] built {outcome.report} ({outcome.seconds:.1f} s)")
            else:
                _forget(paths, round_, outcome.report)
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
                executed=outs["executed"],
                html=outs["html"],
                pdf=outs["pdf"],
                plan=outs.get("plan"),
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--round", required=True, help="round name, e.g. demo-2026")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--cpp", help="build only this CPP's report (its slug, e.g. fife)")
    which.add_argument(
        "--national-only", action="store_true", help="build only the national overview"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="parallel reports (default: one per CPU core)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument(
        "--timeout", type=int, default=None, help="per-cell execution time limit in seconds"
    )


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    paths = get_paths()
    try:
        summary = build(
            args.round,
            cpp=args.cpp,
            national_only=args.national_only,
            jobs=args.jobs,
            force=args.force,
            timeout=args.timeout,
            paths=paths,
            echo=lambda line: print(line, flush=True),
        )
    except OSError as exc:  # the data steps could not write (a report's failure is caught)
        log.debug("build failed", exc_info=True)
        print(f"cpsa build: error: {os_error(exc)}", file=sys.stderr, flush=True)
        return 1
    print(format_summary(summary, paths.root), flush=True)
    return summary.exit_code
