"""Scale: ingest + analysis of large synthetic rounds, to show how cost grows.

For each size (CPPs x respondents per CPP) a scratch project gets a round in the
real export format (``cpsa.data.demo.generate_scale_export``) with a baseline round of
the same size, so the change-since-baseline statistics are computed as in a real
round. The baseline is ingested while setting up (not timed). Each timed run then
starts cold: the round's processed data and tables are deleted, and ``cpsa
ingest`` and ``cpsa tables`` each run in a fresh process.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import Sample, run_timed
from benchmarks.project import copy_project, cpsa_command, env_for
from cpsa.config import Paths
from cpsa.data import demo
from cpsa.data.reference import load_reference

log = logging.getLogger("bench.scale")


@dataclass(frozen=True)
class ScaleRun:
    """One cold ingest + analysis of one round size."""

    ingest: Sample
    tables: Sample | None  # None when `cpsa tables` is not available

    @property
    def seconds(self) -> float:
        return self.ingest.seconds + (self.tables.seconds if self.tables else 0.0)

    @property
    def cpu_seconds(self) -> float:
        return self.ingest.cpu_seconds + (self.tables.cpu_seconds if self.tables else 0.0)

    @property
    def max_rss_mib(self) -> float:
        return max(self.ingest.max_rss_mib, self.tables.max_rss_mib if self.tables else 0.0)


def round_names(n_cpps: int, per_cpp: int) -> tuple[str, str]:
    """(round, baseline) names; they match config.ROUND_NAME."""
    size = f"s{n_cpps}x{per_cpp}"
    return f"2099-{size}", f"2098-{size}"


def _round_yaml(name: str, year: int, baseline: str | None, cpps: list[str], seed: int) -> str:
    items = "\n".join(f"  - {c}" for c in cpps)
    return (
        f"round: {name}\nyear: {year}\ntitle: Scale benchmark {name} (synthetic)\n"
        f"synthetic: true\nexport: data/demo/{name}/export.csv\ncodebook: {demo.CODEBOOK}\n"
        f"baseline: {baseline or 'null'}\nboard_sizes: data/demo/{name}/board_sizes.csv\n"
        f"seed: {seed}\ncpps:\n{items}\n"
    )


def setup_scale_project(root: Path, *, n_cpps: int, per_cpp: int, log_path: Path) -> str:
    """Write both rounds of one size into a scratch project; return the round to time."""
    copy_project(root, parts=("src", "params/checklist", "data/reference"))
    current, baseline = round_names(n_cpps, per_cpp)
    for name, year, base, seed in ((baseline, 2098, None, 11), (current, 2099, baseline, 12)):
        frame = demo.generate_scale_export(n_cpps=n_cpps, per_cpp=per_cpp, seed=seed)
        folder = root / "data" / "demo" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "export.csv").write_bytes(demo.export_csv_bytes(frame))
        slugs = sorted(load_reference(Paths(root)).cpps["slug"])[:n_cpps]
        sizes = "".join(f"{s},{per_cpp + 50}\n" for s in slugs)
        (folder / "board_sizes.csv").write_text("cpp,members_invited\n" + sizes)
        params = root / "params" / name
        params.mkdir(parents=True, exist_ok=True)
        (params / "round.yaml").write_text(_round_yaml(name, year, base, slugs, seed))
    run_timed(cpsa_command("ingest", "--round", baseline), env=env_for(root), log_path=log_path)
    return current


def time_scale(root: Path, round_: str, *, with_tables: bool, log_path: Path) -> ScaleRun:
    """One cold ingest (+ tables) of ``round_`` in the scratch project at ``root``."""
    shutil.rmtree(root / "data" / "processed" / round_, ignore_errors=True)
    shutil.rmtree(root / "outputs" / round_, ignore_errors=True)
    env = env_for(root)
    ingest = run_timed(cpsa_command("ingest", "--round", round_), env=env, log_path=log_path)
    tables = None
    if with_tables:
        tables = run_timed(cpsa_command("tables", "--round", round_), env=env, log_path=log_path)
    return ScaleRun(ingest, tables)
