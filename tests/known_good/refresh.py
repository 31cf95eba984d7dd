"""Refresh the back test's known-good tables deliberately: ``make known-good``.

Recomputes the national tables of both demo rounds from the committed demo
exports in a scratch copy of the project (the real ``outputs/`` is not touched)
and copies every top-level CSV into ``tests/known_good/<round>/``. Run it only
after a change that is meant to alter published numbers, then review
``git diff tests/known_good`` before committing: the diff is the change every
reader of the demo reports will see.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ROUNDS = ("demo-2024", "demo-2026")
# code-side inputs a round's tables are computed from (no generated outputs)
INPUTS = ("params", "data/reference", "data/demo")


def compute_tables(dest: Path) -> dict[str, Path]:
    """Ingest and tabulate every demo round in a fresh project at ``dest``; round -> tables."""
    from cpsa.config import Paths
    from cpsa.data.ingest import ingest_round
    from cpsa.tables.write import write_round_tables

    for rel in INPUTS:
        shutil.copytree(REPO / rel, dest / rel)
    paths = Paths(root=dest)
    out = {}
    for round_ in ROUNDS:  # the baseline round first: the later one compares with it
        ingest_round(round_, paths=paths)
        write_round_tables(round_, out_dir=paths.tables(round_), paths=paths)
        out[round_] = paths.tables(round_)
    return out


def known_good_files(tables: Path) -> list[Path]:
    """The tables kept as known good: the round-level CSVs (per-CPP files are cuts of them)."""
    return sorted(tables.glob("*.csv"))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="known-good-") as tmp:
        for round_, tables in compute_tables(Path(tmp)).items():
            target = HERE / round_
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for f in known_good_files(tables):
                shutil.copy(f, target / f.name)
            print(f"{round_}: {len(known_good_files(tables))} tables -> {target.relative_to(REPO)}")
    print("review the change with: git diff --stat tests/known_good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
