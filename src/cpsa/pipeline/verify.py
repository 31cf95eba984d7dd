"""``cpsa verify``: re-execute published reports from the committed parameters and compare.

A reviewer's check that a published finding follows from the data and the code.
In a scratch copy of the project (under ``outputs/.verify/``, git-ignored, so
confidential data never leaves the project's confidential area) it

1. re-ingests the round's export (and the baseline round's),
2. recomputes every table into the scratch ``outputs/<round>/tables``,
3. re-executes the named notebooks with the *committed* parameter files,

then compares every table cell and every notebook output with the published
ones. Before any of that it checks every delivered file (HTML, PDF, workbook,
...) and the executed notebook of each report against the report's build
manifest (``outputs/<round>/manifests/<report>.json``): a missing, truncated or
edited file, or an input changed since the build, fails the check. Exit 0 only
if all are identical; otherwise a readable diff and exit 1.
Differences confined to the provenance block (e.g. another git commit) are
shown but do not fail the check. The scratch copy is removed after a clean
pass and kept (its path is printed) when something differs.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cpsa.config import (
    ConfigError,
    Paths,
    RoundConfig,
    check_round_name,
    check_slug,
    get_paths,
    load_round,
)
from cpsa.pipeline.compare import Difference, compare_notebooks, compare_tables
from cpsa.pipeline.manifest import TECHNICAL as TECHNICAL_REPORT

log = logging.getLogger("cpsa.pipeline.verify")

NATIONAL = "national"


@dataclass(frozen=True)
class VerifyResult:
    round: str
    reports: tuple[str, ...]
    differences: tuple[Difference, ...] = field(default_factory=tuple)
    scratch: Path | None = None

    @property
    def failures(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if not d.informational)

    @property
    def ok(self) -> bool:
        return not self.failures


def _copy_inputs(cfg: RoundConfig, paths: Paths, scratch: Paths) -> None:
    """Copy exactly what a re-execution reads: code-side folders and the round's data files."""
    shutil.copytree(paths.notebooks, scratch.notebooks)
    shutil.copytree(paths.params, scratch.params)
    shutil.copytree(paths.reference, scratch.reference)
    configs = [cfg] + ([load_round(cfg.baseline, paths)] if cfg.baseline else [])
    for c in configs:
        for rel in (c.export, c.board_sizes):
            if rel:
                src = paths.resolve(rel)
                dst = scratch.root / src.relative_to(paths.root)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


def _execute(args: tuple[str, str, str, str]) -> tuple[str, str | None]:
    """Re-execute one report in the scratch project; returns (report, error or None)."""
    from cpsa.pipeline.execute import ExecutionError, execute_report
    from cpsa.pipeline.params import check_report, report_spec

    round_, report, root, target = args
    os.environ["CPSA_ROOT"] = root
    paths = Paths(root=Path(root))
    cfg = load_round(round_, paths)
    spec = report_spec(paths, round_, report)
    parameters = check_report(spec, paths=paths, cfg=cfg)
    from cpsa.pipeline import provenance

    block = provenance.collect(round_=round_, parameters=parameters, paths=paths)
    try:
        execute_report(
            notebook=spec.notebook,
            parameters=parameters,
            target=Path(target),
            root=paths.root,
            provenance={"provenance": block.as_dict()},
        )
    except ExecutionError as exc:
        return report, str(exc)
    return report, None


def check_delivered(
    round_: str, reports: list[str], cfg: RoundConfig, paths: Paths
) -> list[Difference]:
    """Every delivered file and executed notebook against the report's build manifest."""
    from cpsa.pipeline import manifest as mf
    from cpsa.pipeline.build import report_inputs
    from cpsa.pipeline.params import report_spec

    differences = []
    for report in reports:
        spec = report_spec(paths, round_, report)
        manifest = mf.read_manifest(paths, round_, report)
        where = mf.rel(mf.manifest_file(paths, round_, report), paths.root)
        if manifest is None:
            differences.append(
                Difference(
                    report,
                    f"no build manifest ({where}): the delivered files cannot be checked; "
                    f"rebuild: make report ROUND={round_} CPP={report}"
                    if report != NATIONAL
                    else f"no build manifest ({where}); rebuild: make national ROUND={round_}",
                )
            )
            continue
        problems = mf.file_problems(manifest, spec, paths)
        problems += mf.input_problems(manifest, paths, report_inputs(spec, cfg, paths))
        if problems:
            detail = "\n".join(f"  {p}" for p in problems)
            differences.append(Difference(f"{report} (delivered files vs {where})", detail))
    return differences


def published_reports(round_: str, paths: Paths) -> list[str]:
    folder = paths.executed_notebooks(round_)
    # the technical report is executed by the national report's build, not as a report of its own
    return sorted(
        p.stem
        for p in folder.glob("*.ipynb")
        if not p.name.endswith(".failed.ipynb") and p.stem != TECHNICAL_REPORT
    )


def verify(
    round_: str,
    *,
    cpp: str | None = None,
    jobs: int | None = None,
    keep: bool = False,
    paths: Paths | None = None,
) -> VerifyResult:
    paths = paths or get_paths()
    check_round_name(round_)
    if cpp is not None:
        check_slug(cpp)
    cfg = load_round(round_, paths)
    tables = paths.tables(round_)
    if not tables.is_dir():
        raise ConfigError(
            f"nothing published for {round_} yet ({tables.relative_to(paths.root)} is missing); "
            f"build it first: make reports ROUND={round_}"
        )
    if cpp is not None:
        if cpp not in cfg.cpps:
            raise ConfigError(
                f"{cpp!r} is not a CPP of round {round_}; choose one of: {', '.join(cfg.cpps)}"
            )
        reports = [cpp]
    else:
        reports = published_reports(round_, paths)
    missing = [
        r for r in reports if not (paths.executed_notebooks(round_) / f"{r}.ipynb").is_file()
    ]
    if missing:
        raise ConfigError(
            f"no published executed notebook for {', '.join(missing)} in round {round_}; "
            f"build it first: make reports ROUND={round_}"
        )

    delivered = check_delivered(round_, reports, cfg, paths)
    base = paths.outputs / ".verify"
    base.mkdir(parents=True, exist_ok=True)
    scratch = Paths(root=Path(tempfile.mkdtemp(prefix=f"{round_}-", dir=base)))
    print(f"verify {round_}: re-executing {len(reports)} report(s) in {scratch.root}", flush=True)
    try:
        _copy_inputs(cfg, paths, scratch)

        from cpsa.data.ingest import ingest_round
        from cpsa.tables.write import write_round_tables

        for r in [cfg.baseline, round_]:
            if r:
                ingest_round(r, paths=scratch)
        write_round_tables(round_, paths=scratch)
        print("verify: tables recomputed", flush=True)

        only = None if cpp is None else [f"by_cpp/{cpp}"]
        differences = delivered + list(compare_tables(tables, scratch.tables(round_), only=only))

        work = [
            (round_, r, str(scratch.root), str(scratch.executed_notebooks(round_) / f"{r}.ipynb"))
            for r in reports
        ]
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
        done = 0
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for report, error in pool.map(_execute, work):
                done += 1
                print(f"[{done}/{len(work)}] re-executed {report}", flush=True)
                if error:
                    differences.append(Difference(report, f"re-execution failed: {error}"))
                    continue
                differences.extend(
                    compare_notebooks(
                        paths.executed_notebooks(round_) / f"{report}.ipynb",
                        scratch.executed_notebooks(round_) / f"{report}.ipynb",
                    )
                )
    except BaseException:
        if not keep:  # an error mid-run must not leave confidential copies behind
            shutil.rmtree(scratch.root, ignore_errors=True)
        raise
    result = VerifyResult(round_, tuple(reports), tuple(differences), scratch.root)
    if result.ok and not keep:
        shutil.rmtree(scratch.root, ignore_errors=True)
        result = VerifyResult(round_, tuple(reports), tuple(differences), None)
    return result


def format_result(result: VerifyResult) -> str:
    lines = []
    for d in result.differences:
        tag = "note (provenance only)" if d.informational else "DIFFERS"
        lines.append(f"{tag}: {d.where}\n{d.detail}\n")
    what = ", ".join(result.reports)
    if result.ok:
        lines.append(
            f"verify {result.round}: OK — tables and {len(result.reports)} notebook(s) "
            f"({what}) are identical to the published ones, and every delivered file "
            "matches its build manifest."
        )
    else:
        lines.append(
            f"verify {result.round}: FAILED — {len(result.failures)} difference(s). "
            f"Scratch copy kept for inspection: {result.scratch}"
        )
    return "\n".join(lines)
