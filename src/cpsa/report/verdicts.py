"""Wording of statistical results: sentences that say only what the numbers support.

Small tested functions the notebooks call (issue 12, "Wording"):

* every verdict sentence carries the estimate and its 95% interval;
* a result that is not significant is never "no difference" / "no change": it
  "could not be told apart from chance", with the size of difference a board of
  this size could detect (:func:`detectable_difference_pct`,
  :func:`detectable_difference_mean`);
* with fewer than 10 valid answers a share is given as a count ("7 of 8");
* the partner-type headline names only significant differences and prints gaps
  computed from the rounded figures, so a gap never disagrees with its parts.

Free text is never passed through here; labels are the caller's (already escaped).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from scipy import stats

# below this many valid answers a share is shown as a count ("7 of 8")
COUNT_BELOW = 10
ALPHA = 0.05
POWER = 0.8


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is np.nan


def _r(x: float) -> int:
    """Round half away from zero (so 0.5 -> 1 and -0.5 -> -1, unlike Python's round)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def pct(x) -> str:
    """A percentage as a whole number, "64%"; an em dash when missing."""
    return "—" if _missing(x) else f"{_r(float(x))}%"


def points(x) -> str:
    """A signed difference in percentage points, "+5 points" / "−18 points"."""
    if _missing(x):
        return "—"
    v = _r(float(x))
    sign = "+" if v > 0 else ("−" if v < 0 else "")
    unit = "point" if abs(v) == 1 else "points"
    return f"{sign}{abs(v)} {unit}"


def _signed(v: int) -> str:
    return f"−{abs(v)}" if v < 0 else (f"+{v}" if v > 0 else "0")


def interval(low, high, *, signed: bool = False) -> str:
    """ "95% interval 44% to 84%" (or for a difference "95% interval −38 to −2 points")."""
    if _missing(low) or _missing(high):
        return "no interval"
    if signed:
        return f"95% interval {_signed(_r(float(low)))} to {_signed(_r(float(high)))} points"
    return f"95% interval {pct(low)} to {pct(high)}"


def share(k, n, *, count_below: int = COUNT_BELOW) -> str:
    """ "7 of 8" when fewer than ``count_below`` answered, else "88%"; "—" if n is 0."""
    if _missing(n) or int(n) == 0 or _missing(k):
        return "—"
    k, n = int(k), int(n)
    if n < count_below:
        return f"{k} of {n}"
    return pct(100 * k / n)


def detectable_difference_pct(
    n: int, n_rest: int, p_rest: float, *, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Smallest drop in % positive (points) a board of n would detect with the given power.

    Normal approximation for two independent proportions (unpooled variances):
    the smallest d with z_(1-alpha/2) <= d / sqrt(p1 q1 / n + p0 q0 / N) - z_power,
    p0 = p_rest, p1 = p0 - d; found by bisection. Two-sided, unadjusted.
    """
    if n <= 0 or n_rest <= 0 or not 0 < p_rest <= 1:
        return float("nan")
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)

    def gap(d: float) -> float:
        p1 = p_rest - d
        se = math.sqrt(p1 * (1 - p1) / n + p_rest * (1 - p_rest) / n_rest)
        return d - (za + zb) * se

    lo, hi = 0.0, p_rest
    if gap(hi) < 0:
        return 100 * p_rest  # even 0% could not be detected reliably
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    return 100 * hi


def detectable_difference_mean(
    n: int, sd: float, n_rest: int, sd_rest: float, *, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Smallest difference in mean theme score (points) detectable with the given power.

    (t_(1-alpha/2, df) + t_(power, df)) * sqrt(sd^2/n + sd_rest^2/N), Welch-Satterthwaite df;
    ``sd`` and ``sd_rest`` in points.
    """
    if n < 2 or n_rest < 2 or _missing(sd) or _missing(sd_rest):
        return float("nan")
    v1, v0 = sd**2 / n, sd_rest**2 / n_rest
    df = (v1 + v0) ** 2 / (v1**2 / (n - 1) + v0**2 / (n_rest - 1)) if v1 + v0 > 0 else n - 1
    t = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    return float(t * math.sqrt(v1 + v0))


def not_detected(detectable: float | None, *, what: str = "difference") -> str:
    """The sentence for a non-significant result; never "no difference"."""
    base = f"The {what} could not be told apart from chance"
    if detectable is None or _missing(detectable):
        return base + "."
    return (
        f"{base}: with this many answers, only a {what} of about "
        f"{_r(float(detectable))} points or more would reliably be detected."
    )


def verdict_sentence(
    subject: str,
    estimate,
    low,
    high,
    *,
    comparison: str,
    comparison_value,
    diff,
    diff_low,
    diff_high,
    significance: str,
    detectable: float | None = None,
) -> str:
    """One comparison, always with estimate, interval and difference with its interval.

    ``significance`` is the table's verdict (higher / lower / similar / ""). A
    verdict of higher/lower is only worded as such when the difference interval
    excludes 0 (the tables guarantee it; this re-checks so wording cannot
    contradict the numbers).
    """
    head = f"{subject}: {pct(estimate)} ({interval(low, high)})"
    comp = f"{comparison}: {pct(comparison_value)}"
    dtext = f"difference {points(diff)} ({interval(diff_low, diff_high, signed=True)})"
    if significance == "higher" and not _missing(diff_low) and float(diff_low) > 0:
        return f"{head}, higher than {comp}; {dtext}."
    if significance == "lower" and not _missing(diff_high) and float(diff_high) < 0:
        return f"{head}, lower than {comp}; {dtext}."
    if significance in ("higher", "lower", "similar"):
        return f"{head}; {comp}; {dtext}. " + not_detected(detectable)
    return f"{head}; {comp}. Not compared."


def change_sentence(
    subject: str,
    now,
    base,
    *,
    n_now: int,
    n_base: int,
    diff,
    diff_low,
    diff_high,
    significance: str,
    baseline: str,
    detectable: float | None = None,
) -> str:
    """Change since the baseline: both figures, both member counts, change with interval."""
    head = (
        f"{subject}: {pct(now)} now ({n_now} members answered) against {pct(base)} in "
        f"{baseline} ({n_base} members); change {points(diff)} "
        f"({interval(diff_low, diff_high, signed=True)})"
    )
    if significance == "higher" and not _missing(diff_low) and float(diff_low) > 0:
        return head + ", an improvement."
    if significance == "lower" and not _missing(diff_high) and float(diff_high) < 0:
        return head + ", a decline."
    return head + ". " + not_detected(detectable, what="change")


def partner_type_headline(rows: Iterable[Mapping], *, theme: str) -> str:
    """Headline for one theme's partner types: only significant differences are named.

    Each row: ``label``, ``score``, ``others_score``, ``diff_ci_low``,
    ``diff_ci_high``, ``significance``. The gap printed is the difference of the
    two ROUNDED figures, so "82% against 74%, 8 points higher" always adds up.
    """
    parts = []
    for r in rows:
        sig = r.get("significance")
        if sig not in ("higher", "lower"):
            continue
        lo, hi = r.get("diff_ci_low"), r.get("diff_ci_high")
        if sig == "higher" and (_missing(lo) or float(lo) <= 0):
            continue
        if sig == "lower" and (_missing(hi) or float(hi) >= 0):
            continue
        a, b = _r(float(r["score"])), _r(float(r["others_score"]))
        word = "higher" if sig == "higher" else "lower"
        parts.append(
            f"{r['label']} {a}% against {b}% for all other members "
            f"({abs(a - b)} points {word}; {interval(lo, hi, signed=True)})"
        )
    if not parts:
        return (
            f"{theme}: the differences between each partner type and all other members "
            "could not be told apart from chance."
        )
    return f"{theme}: " + "; ".join(parts) + "."


def exclusion_sentence(n_answered: int, n_in_figures: int, reason: str) -> str:
    """ "243 answered; 240 are in the national figures because …" (or all of them)."""
    if n_in_figures >= n_answered:
        return f"{n_answered} board members answered; all are in the national figures."
    return (
        f"{n_answered} board members answered; {n_in_figures} are in the national figures "
        f"because {reason}."
    )
