"""A large numerically coded export: rejected, then accepted once ``codes:`` is set.

Issue 17: a 61 MB export whose answers are numbers 1-5 used to give one line per
cell (5.4 million lines, 1.4 GB of output) and 7 GB of memory. This benchmark
writes such an export into a scratch project in a temporary folder (never into
the checkout or tests), then times, each in a fresh process with its peak memory:

1. ``cpsa validate`` without ``codes:`` (must exit 2 with a short report);
2. ``cpsa validate`` with ``codes:`` in the round config (must exit 0);
3. ``cpsa ingest`` with ``codes:``.

Run: ``.venv/bin/python -m benchmarks.exports [--mb 61]``. Targets: each under a
minute and under 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import run_timed
from benchmarks.project import copy_project, cpsa_command, env_for
from cpsa.config import Paths
from cpsa.data import demo
from cpsa.data.reference import load_reference

ROUND = "2099-coded"
CODES = {"Strongly agree": "1", "Agree": "2", "Disagree": "3", "Strongly disagree": "4"}
CODES["Don't know"] = "5"
CODES["Don\u2019t know"] = "5"


def coded_csv(per_cpp: int, seed: int = 17) -> bytes:
    frame = demo.generate_scale_export(n_cpps=32, per_cpp=per_cpp, seed=seed)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        w.writerow([CODES.get(c, c) for c in row])
    return buf.getvalue().encode("utf-8")


def write_project(root: Path, megabytes: float) -> tuple[Path, int]:
    copy_project(root, parts=("src", "params/checklist", "data/reference"))
    per_row = len(coded_csv(20)) / (32 * 20)
    per_cpp = max(1, int(megabytes * 1e6 / per_row / 32))
    data = coded_csv(per_cpp)
    export = root / "data" / "raw" / ROUND / "export.csv"
    export.parent.mkdir(parents=True)
    export.write_bytes(data)
    slugs = sorted(load_reference(Paths(root)).cpps["slug"])
    (root / "params" / ROUND).mkdir(parents=True)
    write_config(root, slugs, codes=False)
    return export, 32 * per_cpp


def write_config(root: Path, slugs: list[str], *, codes: bool) -> None:
    text = (
        f"round: {ROUND}\nyear: 2099\ntitle: coded export benchmark\nsynthetic: true\n"
        f"export: data/raw/{ROUND}/export.csv\ncodebook: {demo.CODEBOOK}\nbaseline: null\n"
        "seed: 1\ncpps:\n" + "".join(f"  - {s}\n" for s in slugs)
    )
    if codes:
        text += (
            "codes:\n  1: Strongly agree\n  2: Agree\n  3: Disagree\n  4: Strongly disagree\n"
            "  5: Don't know\n"
        )
    (root / "params" / ROUND / "round.yaml").write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=61.0, help="size of the export in MB")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cpsa-bench-exports-") as tmp:
        root = Path(tmp) / "project"
        export, n = write_project(root, args.mb)
        size = export.stat().st_size / 1e6
        print(f"export: {size:.1f} MB, {n:,} respondents, answers as numbers 1-5")
        env = env_for(root)
        log = Path(tmp) / "out.log"
        slugs = sorted(load_reference(Paths(root)).cpps["slug"])
        results = []
        for label, codes, cmd in (
            ("validate, no codes:", False, ("validate", str(export), "--round", ROUND)),
            ("validate, codes: set", True, ("validate", str(export), "--round", ROUND)),
            ("ingest, codes: set", True, ("ingest", "--round", ROUND)),
        ):
            write_config(root, slugs, codes=codes)
            log.write_bytes(b"")
            s = run_timed(cpsa_command(*cmd), env=env, log_path=log, check=False)
            out = log.read_bytes()
            results.append((label, s, len(out.splitlines()), len(out)))
            print(
                f"{label:22s} exit {s.returncode}  {s.seconds:6.1f} s "
                f"(CPU {s.cpu_seconds:5.1f} s)  "
                f"peak RSS {s.max_rss_mib:7.0f} MiB  output {len(out.splitlines())} lines "
                f"({len(out):,} bytes)"
            )
            if not codes:
                print("  " + "\n  ".join(out.decode("utf-8", "replace").splitlines()[:8]))
        ok = all(s.seconds < 60 and s.max_rss_mib < 2048 for _, s, _, _ in results)
        ok = ok and results[0][1].returncode == 2 and results[1][1].returncode == 0
        print(
            "targets (under a minute, under 2 GB, rejected then accepted):",
            "met" if ok else "MISSED",
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
