"""Plain-English phrasing of numbers for readers who are not statisticians.

One place decides how a percentage, an interval, a difference or a test result
is said, so every report says it the same way: whole percentages, "percentage
points" for differences, and significance in words (never stars or p-values in
running text).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

DASH = "\u2013"  # en dash for ranges
MINUS = "\u2212"


def missing(x: object) -> bool:
    """True for None, NaN and pandas' NA."""
    if x is None or x is pd.NA:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def pct(x: float | None) -> str:
    """A percentage rounded to a whole number: 72.4 -> '72%'; missing -> 'not shown'."""
    if missing(x):
        return "not shown"
    return f"{_round_half_up(float(x))}%"


def pct_interval(low: float | None, high: float | None) -> str:
    """'58%–84%' for a 95% interval."""
    if missing(low) or missing(high):
        return "not shown"
    return f"{_round_half_up(float(low))}%{DASH}{_round_half_up(float(high))}%"


def points(diff: float | None, *, signed: bool = True) -> str:
    """A difference in percentage points: +12 -> '+12 points', -3.2 -> '−3 points'."""
    if missing(diff):
        return "not shown"
    v = _round_half_up(float(diff))
    unit = "point" if abs(v) == 1 else "points"
    if not signed:
        return f"{abs(v)} {unit}"
    sign = "+" if v > 0 else (MINUS if v < 0 else "")
    return f"{sign}{abs(v)} {unit}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 member', '12 members'."""
    word = singular if n == 1 else (plural or singular + "s")
    return f"{n} {word}"


def listing(items: Sequence[str], *, conj: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def significance(
    direction: str | None,
    *,
    versus: str | None = "the rest of Scotland",
    low: float | None = None,
    high: float | None = None,
) -> str:
    """Words for a test result: 'higher', 'lower', 'similar' (not told apart from chance) or
    empty (not compared).

    ``versus=None`` leaves out what was compared, for a table column whose
    header already says it. When the difference interval (``low``, ``high``) is
    given, a verdict it contradicts (an interval including 0) is never worded as
    higher/lower (issue 12: no verdict beside an interval that includes 0).
    """
    if direction == "higher" and (low is None or missing(low) or float(low) > 0):
        words = "Significantly higher"
    elif direction == "lower" and (high is None or missing(high) or float(high) < 0):
        words = "Significantly lower"
    elif direction in ("higher", "lower", "similar"):
        return "Not told apart from chance"
    else:
        return "Not compared"
    return f"{words} than {versus}" if versus else words


def _round_half_up(x: float) -> int:
    # Python's round() rounds half to even (72.5 -> 72); readers expect 73.
    return int(math.floor(x + 0.5))
