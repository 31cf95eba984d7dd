"""Back test: the demo rounds' tables, recomputed now, equal the known-good copies.

``tests/known_good/<round>/`` holds the round-level tables of both demo rounds as
they were when someone last checked them. Any change to a published number,
a column, the row order or the formatting shows up here as a readable diff; a
deliberate change is accepted by refreshing the copies (``make known-good``)
and reviewing ``git diff tests/known_good``, never by editing this test.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest
from helpers import TESTS

KNOWN_GOOD = TESTS / "known_good"
REFRESH = "make known-good  (or: .venv/bin/python tests/known_good/refresh.py)"


def _refresh_module():
    spec = importlib.util.spec_from_file_location("known_good_refresh", KNOWN_GOOD / "refresh.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _refresh_module()


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return refresh.compute_tables(tmp_path_factory.mktemp("backtest") / "project")


def _diff(expected: Path, actual: Path, *, limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(
            expected.read_text(encoding="utf-8").splitlines(),
            actual.read_text(encoding="utf-8").splitlines(),
            fromfile=f"known good {expected.parent.name}/{expected.name}",
            tofile=f"recomputed {actual.name}",
            lineterm="",
            n=1,
        )
    )
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def test_known_good_copies_are_present_and_modest() -> None:
    for round_ in refresh.ROUNDS:
        files = sorted((KNOWN_GOOD / round_).glob("*.csv"))
        assert len(files) >= 10, f"no known-good tables for {round_}; run {REFRESH}"
        assert any(f.name == "cpp_items.csv" for f in files)
    size = sum(f.stat().st_size for f in KNOWN_GOOD.rglob("*.csv"))
    assert size < 1_000_000, "keep the known-good copies small (round-level tables only)"


@pytest.mark.parametrize("round_", refresh.ROUNDS)
def test_recomputed_tables_equal_the_known_good_copies(
    recomputed: dict[str, Path], round_: str
) -> None:
    expected_dir = KNOWN_GOOD / round_
    actual_dir = recomputed[round_]
    expected = {f.name for f in expected_dir.glob("*.csv")}
    actual = {f.name for f in refresh.known_good_files(actual_dir)}
    assert actual == expected, (
        f"{round_}: the set of tables changed (new: {sorted(actual - expected)}, "
        f"gone: {sorted(expected - actual)}); if intended, refresh with {REFRESH}"
    )
    changed = [
        name
        for name in sorted(expected)
        if (expected_dir / name).read_bytes() != (actual_dir / name).read_bytes()
    ]
    if changed:
        diffs = "\n\n".join(_diff(expected_dir / n, actual_dir / n) for n in changed)
        pytest.fail(
            f"{round_}: {len(changed)} table(s) differ from the known-good copies: "
            f"{', '.join(changed)}\n\n{diffs}\n\nIf the change is intended, refresh the "
            f"copies deliberately with {REFRESH} and review `git diff tests/known_good`.",
            pytrace=False,
        )
