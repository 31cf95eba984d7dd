"""``make bench``: the cpsa performance benchmark; writes outputs/bench/results.{json,md}.

Usage: ``python benchmarks/run.py [--quick] [--skip-scale] [--skip-build] [--profile]``.
Everything runs in scratch copies of the project under the system temp folder
(``CPSA_ROOT`` points each command there), so the real ``outputs/`` and
``data/processed/`` are never touched; only ``outputs/bench/`` is written. The
measures, their targets and how to read them are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script by make

from benchmarks import builds, scale  # noqa: E402
from benchmarks.measure import CommandFailed, run_timed  # noqa: E402
from benchmarks.project import copy_project, env_for  # noqa: E402
from benchmarks.results import markdown_table, write_results  # noqa: E402
from benchmarks.stats import Measure, Target, floor_seconds, median, ratios  # noqa: E402

log = logging.getLogger("bench")

SCALE_SIZES = ((32, 100), (32, 300), (32, 1000))
SCALE_TARGET = (32, 1000)
MODE_TEXT = {
    "stale": "deletes outputs/{rnd}/.state/{slug}.json (what a change to any input of "
    "that one report amounts to) and runs `cpsa build`",
    "force": "runs `cpsa build --cpp {slug} --force` (which also recomputes the tables)",
}
BREAKDOWN = (
    "ingest",
    "analysis",
    "params",
    "execute",
    "plan",
    "render",
    "render_html",
    "render_pdf",
)


class Budget:
    """The benchmark's time budget: optional repeats are skipped when they would not fit."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def fits(self, estimate: float) -> bool:
        return time.monotonic() + estimate < self.end


def run_scale(args, scratch: Path, logs: Path, measures: list[Measure], notes: list[str]) -> None:
    sizes = ((32, 100),) if args.quick else SCALE_SIZES
    with_tables = True
    for n_cpps, per_cpp in sizes:
        root = scratch / f"scale-{n_cpps}x{per_cpp}"
        n = n_cpps * per_cpp
        log.info("scale: setting up %d CPPs x %d respondents", n_cpps, per_cpp)
        round_ = scale.setup_scale_project(
            root, n_cpps=n_cpps, per_cpp=per_cpp, log_path=logs / f"scale-{n}.log"
        )
        runs: list[scale.ScaleRun] = []
        for i in range(1 if args.quick else 2):
            try:
                run = scale.time_scale(
                    root, round_, with_tables=with_tables, log_path=logs / f"scale-{n}.log"
                )
            except CommandFailed as exc:
                if not with_tables or i > 0:
                    raise
                notes.append(f"`cpsa tables` failed ({exc}); scale measures cover ingest only")
                with_tables = False
                run = scale.time_scale(
                    root, round_, with_tables=False, log_path=logs / f"scale-{n}.log"
                )
            runs.append(run)
            log.info("scale %d: run %d: %.1f s, %.0f MiB", n, i + 1, run.seconds, run.max_rss_mib)
        what = "ingest + analysis" if with_tables else "ingest only"
        is_target = (n_cpps, per_cpp) == SCALE_TARGET
        measures.append(
            Measure(
                f"scale_{n}_seconds", f"scale: {what}, {n:,} respondents",
                tuple(r.seconds for r in runs), "s", Target(20, "s") if is_target else None,
                cpu=tuple(r.cpu_seconds for r in runs),
            )
        )  # fmt: skip
        measures.append(
            Measure(
                f"scale_{n}_ingest_seconds", f"scale: ingest alone, {n:,} respondents",
                tuple(r.ingest.seconds for r in runs), "s",
                cpu=tuple(r.ingest.cpu_seconds for r in runs),
            )
        )  # fmt: skip
        measures.append(
            Measure(
                f"scale_{n}_peak_mib", f"scale: peak memory, {n:,} respondents",
                tuple(r.max_rss_mib for r in runs), "MiB",
                Target(2048, "MiB") if is_target else None,
            )
        )  # fmt: skip
        if args.profile and is_target:
            profile_scale(root, round_, args.out, with_tables=with_tables)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def profile_scale(root: Path, round_: str, out: Path, *, with_tables: bool) -> None:
    """pyinstrument text profiles of the largest ingest and analysis (outputs/bench/)."""
    shutil.rmtree(root / "data" / "processed" / round_, ignore_errors=True)
    steps = ("ingest", "tables") if with_tables else ("ingest",)
    for step in steps:
        target = out / f"profile-{step}.txt"
        cmd = [sys.executable, "-m", "pyinstrument", "-o", str(target), "-m", "cpsa", step]
        run_timed([*cmd, "--round", round_], env=env_for(root), log_path=out / "logs" / "prof.log")
        log.info("profile written: %s", target)


def run_builds(
    args, scratch: Path, logs: Path, measures: list[Measure], notes: list[str], budget: Budget
) -> None:
    root = copy_project(scratch / "project")
    cores = os.cpu_count() or 1
    timeout = 600
    log.info("build: cold run 1")
    cold = [builds.cold_build(root, logs, "cold-1", timeout=timeout)]
    n_reports = cold[0].n_built
    if n_reports == 0:
        raise CommandFailed("the cold build built no report; see outputs/bench/logs/cold-1.log")
    log.info("build: cold %.1f s, %d reports", cold[0].sample.seconds, n_reports)

    noop = []
    for i in range(1 if args.quick else 3):
        noop.append(builds.timed_build(root, logs, f"noop-{i + 1}", timeout=timeout))
        if noop[-1].n_built:
            notes.append(f"no-op run {i + 1} rebuilt {noop[-1].n_built} report(s)")

    slug = builds.reports_of(root)[1]
    edit = builds.one_cpp_build(root, logs, "one-cpp-edit", slug, mode="edit", timeout=timeout)
    measures.append(
        Measure("params_edit_seconds", "rebuild after editing one CPP's params file",
                (edit.sample.seconds,), "s", note=f"{edit.n_built} report(s) rebuilt",
                cpu=(edit.sample.cpu_seconds,))
    )  # fmt: skip
    mode = "edit"
    one = [edit]
    state = root / "outputs" / builds.ROUND / ".state" / f"{slug}.json"
    if edit.n_built == 0:
        mode = "stale" if state.is_file() else "force"
        notes.append(
            f"editing params/{builds.ROUND}/cpp/{slug}.yaml rebuilt nothing: `cpsa build` "
            "regenerates parameter files from round.yaml, so the edit is undone before the "
            "check; the one-CPP measure instead "
            + MODE_TEXT[mode].format(slug=slug, rnd=builds.ROUND)
        )
        one = []
    for i in range(len(one), 1 if args.quick else 3):
        name = f"one-cpp-{i + 1}"
        one.append(builds.one_cpp_build(root, logs, name, slug, mode=mode, timeout=timeout))
    floors = [
        floor_seconds(one_report=r.report_seconds, n_reports=n_reports, cores=cores)
        for r in one
        if r.n_built == 1
    ]

    naive = []
    log.info("build: naive loop")
    naive.append(builds.naive_build(root, logs, "naive-1", timeout=900)[0])
    log.info("build: naive %.1f s", naive[0].seconds)
    # repeats of the two long measures, cold first (its median matters more), while they fit
    for i in range(1, 1 if args.quick else args.cold_runs):
        if not budget.fits(max(r.sample.seconds for r in cold) * 1.2):
            notes.append(f"time budget: {len(cold)} cold build(s) instead of {args.cold_runs}")
            break
        log.info("build: cold run %d", i + 1)
        cold.append(builds.cold_build(root, logs, f"cold-{i + 1}", timeout=timeout))
    for i in range(1, 1 if args.quick else args.naive_runs):
        if not budget.fits(max(s.seconds for s in naive) * 1.2):
            notes.append(f"time budget: {len(naive)} naive loop(s) instead of {args.naive_runs}")
            break
        log.info("build: naive run %d", i + 1)
        naive.append(builds.naive_build(root, logs, f"naive-{i + 1}", timeout=900)[0])

    cold_s = tuple(r.sample.seconds for r in cold)
    measures += [
        Measure("cold_build_seconds", f"cold full build ({n_reports} reports, HTML+PDF)",
                cold_s, "s", cpu=tuple(r.sample.cpu_seconds for r in cold)),
        Measure("cold_build_tree_mib", "cold build: peak memory, all processes",
                tuple(r.sample.tree_mib or 0.0 for r in cold), "MiB"),
        Measure("cold_build_process_mib", "cold build: peak memory, largest process",
                tuple(r.sample.max_rss_mib for r in cold), "MiB"),
    ]  # fmt: skip
    for stage in BREAKDOWN:
        if all(stage in r.stages for r in cold):
            measures.append(
                Measure(
                    f"cold_stage_{stage}", f"cold build stage: {stage}",
                    tuple(r.stages[stage] for r in cold), "s",
                    note="summed over workers" if stage not in ("ingest", "analysis", "params")
                    else "",
                )
            )  # fmt: skip
    measures += [
        Measure("naive_seconds", "naive loop (papermill + nbconvert + PDF per report)",
                tuple(s.seconds for s in naive), "s", cpu=tuple(s.cpu_seconds for s in naive)),
        Measure("speedup_vs_naive", "speed-up: naive / cold",
                ratios([s.seconds for s in naive], list(cold_s[: len(naive)])), "x",
                Target(2, "x", "min")),
    ]  # fmt: skip
    if floors:
        measures += [
            Measure("floor_seconds", f"floor: one report x {n_reports} / {cores} cores",
                    tuple(floors), "s"),
            Measure("cold_over_floor", "cold build / floor",
                    ratios(list(cold_s), [median(floors)] * len(cold_s)), "x",
                    Target(1.25, "x")),
        ]  # fmt: skip
    measures += [
        Measure("noop_seconds", "no-op rebuild", tuple(r.sample.seconds for r in noop), "s",
                Target(2, "s"), cpu=tuple(r.sample.cpu_seconds for r in noop)),
        Measure("one_cpp_seconds", f"one-CPP rebuild ({mode})",
                tuple(r.sample.seconds for r in one), "s", Target(15, "s"),
                cpu=tuple(r.sample.cpu_seconds for r in one)),
    ]  # fmt: skip


def context() -> dict:
    from cpsa.render import choose_renderer

    try:
        renderer = f"renderer {choose_renderer()}"
    except Exception as exc:  # a forced but missing renderer: the build will say so
        renderer = f"renderer unavailable ({exc})"
    return {
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "renderer": renderer,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, small scale only")
    parser.add_argument("--skip-scale", action="store_true", help="no scale measures")
    parser.add_argument("--skip-build", action="store_true", help="no build measures")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the largest scale")
    parser.add_argument("--keep", action="store_true", help="keep the scratch projects")
    parser.add_argument("--cold-runs", type=int, default=2, help="cold builds, budget allowing")
    parser.add_argument("--naive-runs", type=int, default=1, help="naive loops, budget allowing")
    parser.add_argument(
        "--budget", type=float, default=840, help="seconds the whole run may take (repeats are "
        "skipped to stay inside it)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="default outputs/bench")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    from cpsa.config import get_paths

    args.out = args.out or get_paths().outputs / "bench"
    logs = args.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    budget = Budget(args.budget)
    ctx = context()
    measures: list[Measure] = []
    notes: list[str] = []
    scratch = Path(tempfile.mkdtemp(prefix="cpsa-bench-"))
    log.info("scratch projects in %s; logs in %s", scratch, logs)
    failed = False
    try:
        if not args.skip_scale:
            run_scale(args, scratch, logs, measures, notes)
        if not args.skip_build:
            try:
                run_builds(args, scratch, logs, measures, notes, budget)
            except CommandFailed as exc:
                failed = True
                notes.append(f"build benchmark not completed: {exc}")
                log.error("build benchmark not completed: %s", exc)
    finally:
        if args.keep:
            log.info("kept %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    json_path, md_path = write_results(args.out, measures, ctx, notes=notes)
    print(markdown_table(measures))
    for n in notes:
        print(f"note: {n}")
    print(f"results: {json_path} and {md_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
