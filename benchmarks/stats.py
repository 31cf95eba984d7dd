"""Medians, ratios, the floor, and the targets each measure is judged against.

A ``Measure`` keeps every run, so results show the spread as well as the median.
Ratios (cold build vs the naive loop, cold build vs the floor) are taken run by
run from measurements made in the same benchmark run, and only then summarised
by their median: a machine that is busier during one run affects both sides.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

UNIT_SUFFIX = {"s": " s", "x": "x", "MiB": " MiB"}


@dataclass(frozen=True)
class Target:
    """``value <= limit`` (kind "max") or ``value >= limit`` (kind "min")."""

    limit: float
    unit: str
    kind: Literal["max", "min"] = "max"

    def met(self, value: float) -> bool:
        return value <= self.limit if self.kind == "max" else value >= self.limit

    def describe(self) -> str:
        op = "≤" if self.kind == "max" else "≥"
        return f"{op} {fmt(self.limit, self.unit)}"


@dataclass(frozen=True)
class Measure:
    """One benchmark measure: every run's value, its unit and its target (if any)."""

    key: str
    label: str
    runs: tuple[float, ...]
    unit: str
    target: Target | None = None
    note: str = ""
    cpu: tuple[float, ...] = ()  # CPU seconds of the same runs, for timed measures

    @property
    def cpu_median(self) -> float | None:
        return median(self.cpu) if self.cpu else None

    @property
    def median(self) -> float:
        return median(self.runs)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.median)


def median(values: Sequence[float]) -> float:
    """The median; refuses an empty list rather than inventing a value."""
    if not values:
        raise ValueError("median of no runs: the measure was not taken")
    return float(statistics.median(values))


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> tuple[float, ...]:
    """Run-by-run ratios of two measures taken in the same runs."""
    if len(numerators) != len(denominators):
        raise ValueError(
            f"ratios need paired runs, got {len(numerators)} and {len(denominators)} values"
        )
    if any(d <= 0 for d in denominators):
        raise ValueError("ratio with a zero or negative denominator")
    return tuple(n / d for n, d in zip(numerators, denominators, strict=True))


def floor_seconds(*, one_report: float, n_reports: int, cores: int) -> float:
    """The best a perfectly parallel build could do: one report's work spread on all cores."""
    if n_reports < 1 or cores < 1 or one_report < 0:
        raise ValueError(f"bad floor inputs: {one_report=}, {n_reports=}, {cores=}")
    return one_report * n_reports / cores


def fmt(value: float, unit: str) -> str:
    """A value for a table: seconds and ratios to 2 significant places, MiB whole."""
    if unit == "MiB":
        return f"{value:.0f}{UNIT_SUFFIX[unit]}"
    text = f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return text + UNIT_SUFFIX.get(unit, f" {unit}")
