"""Build benchmarks of demo-2026 in a scratch copy of the project.

- cold: ``cpsa build`` from empty ``outputs/`` and ``data/processed/``, with
  ``probe.py`` in every process (via ``site/sitecustomize.py``) for the
  per-stage breakdown;
- naive: the same work as a sequential shell loop (``cpsa ingest/tables/params``,
  then per report ``papermill``, ``jupyter nbconvert --to html --no-input`` and a
  PDF render in a fresh process);
- no-op: ``cpsa build`` again with nothing changed;
- one CPP: ``cpsa build`` after one CPP's parameter file was edited (a YAML
  comment appended, restored afterwards). ``cpsa build`` regenerates parameter
  files from round.yaml, which undoes such an edit before it is seen, so when
  that rebuilds nothing the measure instead marks that one report stale (as a
  change to any of its inputs would) and says so;
- floor inputs: the one-CPP build's execute + render time of its one report.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import Sample, run_timed
from benchmarks.probe import read_log
from benchmarks.project import cpsa_command, env_for

ROUND = "demo-2026"
HERE = Path(__file__).resolve().parent
PROBE_SITE = HERE / "site"  # sitecustomize.py: installs the probe in every process
NAIVE_PDF = HERE / "naive_pdf.py"
# stages whose time makes up one report (execute + render + improvement plan)
REPORT_STAGES = ("execute", "plan", "render")
_BUILT = re.compile(r"^\[\d+/\d+\] built ", re.MULTILINE)


@dataclass(frozen=True)
class BuildRun:
    """One timed ``cpsa build``: wall time and memory, per-stage sums, reports built."""

    sample: Sample
    stages: dict[str, float]  # stage -> seconds summed over calls (and over workers)
    calls: dict[str, int]  # stage -> number of calls
    n_built: int

    @property
    def report_seconds(self) -> float:
        """Execute + render time summed over the reports built."""
        return sum(self.stages.get(s, 0.0) for s in REPORT_STAGES)


def clean(root: Path) -> None:
    """Remove every generated file of the scratch project (a cold start)."""
    for part in ("outputs", "data/processed"):
        shutil.rmtree(root / part, ignore_errors=True)


def timed_build(root: Path, logs: Path, name: str, *extra: str, timeout: float) -> BuildRun:
    """Run ``cpsa build --round demo-2026 EXTRA`` through the probe."""
    stage_log, out_log = logs / f"{name}.stages.jsonl", logs / f"{name}.log"
    stage_log.unlink(missing_ok=True)
    out_log.unlink(missing_ok=True)
    env = env_for(root, CPSA_BENCH_PROBE=str(stage_log))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(PROBE_SITE)]))
    cmd = cpsa_command("build", "--round", ROUND, *extra)
    sample = run_timed(cmd, env=env, cwd=root, log_path=out_log, timeout=timeout)
    durations = read_log(stage_log)
    text = out_log.read_text(encoding="utf-8", errors="replace")
    return BuildRun(
        sample=sample,
        stages={k: sum(v) for k, v in durations.items()},
        calls={k: len(v) for k, v in durations.items()},
        n_built=len(_BUILT.findall(text)),
    )


def cold_build(root: Path, logs: Path, name: str, *, timeout: float) -> BuildRun:
    clean(root)
    return timed_build(root, logs, name, timeout=timeout)


def reports_of(root: Path) -> list[str]:
    """national + every CPP with a parameter file, as the build wrote them."""
    cpp_dir = root / "params" / ROUND / "cpp"
    return ["national", *sorted(p.stem for p in cpp_dir.glob("*.yaml"))]


def one_cpp_build(
    root: Path, logs: Path, name: str, slug: str, *, mode: str, timeout: float
) -> BuildRun:
    """Rebuild after one CPP's report input changed; ``mode`` says how the change is made.

    - ``edit``: append a YAML comment to its parameter file (restored afterwards);
    - ``stale``: delete its build record (``outputs/<round>/.state/<slug>.json``), which
      is what any change to one of its inputs amounts to for the build;
    - ``force``: ``cpsa build --cpp SLUG --force`` (also recomputes the round's tables).
    """
    file = root / "params" / ROUND / "cpp" / f"{slug}.yaml"
    original = file.read_bytes()
    try:
        if mode == "force":
            return timed_build(root, logs, name, "--cpp", slug, "--force", timeout=timeout)
        if mode == "stale":
            (root / "outputs" / ROUND / ".state" / f"{slug}.json").unlink()
        else:
            file.write_bytes(original + f"# benchmark edit {name}\n".encode())
        return timed_build(root, logs, name, timeout=timeout)
    finally:
        file.write_bytes(original)


def naive_script(root: Path, out_dir: Path) -> str:
    """The shell loop an analyst would write without ``cpsa build``."""
    q = shlex.quote
    py, papermill = q(sys.executable), q(str(Path(sys.executable).parent / "papermill"))
    jupyter = q(str(Path(sys.executable).parent / "jupyter"))
    cpsa = " ".join(q(c) for c in cpsa_command())
    lines = [
        "set -euo pipefail",
        f"cd {q(str(root))}",
        f"mkdir -p {q(str(out_dir))}",
        f"{cpsa} ingest --round demo-2024",
        f"{cpsa} ingest --round {ROUND}",
        f"{cpsa} tables --round {ROUND}",
        f"{cpsa} params --round {ROUND}",
        f"for params in params/{ROUND}/national.yaml params/{ROUND}/cpp/*.yaml; do",
        '  slug=$(basename "$params" .yaml)',
        '  if [ "$slug" = national ]; then nb=notebooks/national_report.ipynb;'
        " else nb=notebooks/cpp_report.ipynb; fi",
        f'  out={q(str(out_dir))}/"$slug"',
        f'  {papermill} "$nb" "$out.ipynb" -f "$params" -k cpsa --log-level WARNING',
        f'  {jupyter} nbconvert --to html --no-input "$out.ipynb" --log-level WARN',
        f'  {py} {q(str(NAIVE_PDF))} "$out.ipynb" "$out.pdf" "$slug"',
        "done",
    ]
    return "\n".join(lines) + "\n"


def naive_build(root: Path, logs: Path, name: str, *, timeout: float) -> tuple[Sample, int]:
    """The naive loop from a cold start; returns its sample and the number of reports."""
    clean(root)
    out_dir = root / "outputs" / "naive"
    script = logs / f"{name}.sh"
    script.write_text(naive_script(root, out_dir), encoding="utf-8")
    sample = run_timed(
        ["bash", str(script)], env=env_for(root), cwd=root, log_path=logs / f"{name}.log",
        timeout=timeout,
    )  # fmt: skip
    return sample, len(list(out_dir.glob("*.pdf")))
