"""Disclosure control: the single module every published table passes through.

Rules (docs/methodology.md, "Suppression and disclosure control"):

1. A CPP with fewer than ``min_respondents_report`` respondents gets no figures:
   its report says why, and its rows in every table are suppressed.
2. Complementary rule for CPPs: national figures and rest-of-Scotland pools are
   published, so a suppressed CPP could be recovered as "Scotland minus every
   published CPP". Suppressed CPPs therefore enter the pools only when there are
   at least two of them with at least ``min_respondents_report`` respondents
   together; otherwise they are left out of every pooled figure.
3. Any breakdown cell (e.g. a partner type) with fewer than the minimum group
   size (``min_group_cpp`` within a CPP, ``min_group_national`` nationally) is
   suppressed, and further cells are suppressed (smallest first) until the
   suppressed cells of a margin are at least two and hold at least the minimum
   together, so no cell can be recovered by subtraction from the total.
4. No table may carry respondent identifiers (:func:`check_publishable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

FORBIDDEN_COLUMNS = frozenset({"respondent_id", "Respondent ID", "respondent"})


@dataclass(frozen=True)
class ReportDecision:
    """Whether a CPP may have a report with figures, and if not, why."""

    allowed: bool
    reason: str


def report_decision(n_respondents: int, *, min_respondents: int) -> ReportDecision:
    """Rule 1: a report with figures needs at least ``min_respondents`` respondents."""
    if n_respondents >= min_respondents:
        return ReportDecision(True, "")
    return ReportDecision(
        False,
        f"fewer than {min_respondents} board members responded, so results are not "
        "published for this partnership to protect the confidentiality of those who did",
    )


@dataclass(frozen=True)
class CppPooling:
    """Which CPPs have reports and which enter pooled (national, rest-of-Scotland) figures."""

    reported: tuple[str, ...]
    suppressed: tuple[str, ...]
    pooled: tuple[str, ...]


def cpp_pooling(n_by_cpp: Mapping[str, int], *, min_respondents: int) -> CppPooling:
    """Rules 1 and 2 for a round: reported CPPs, suppressed CPPs, CPPs in pooled figures."""
    reported = sorted(c for c, n in n_by_cpp.items() if n >= min_respondents)
    suppressed = sorted(c for c, n in n_by_cpp.items() if n < min_respondents)
    together = sum(n_by_cpp[c] for c in suppressed)
    safe = len(suppressed) >= 2 and together >= min_respondents
    pooled = sorted(reported + (suppressed if safe else []))
    return CppPooling(tuple(reported), tuple(suppressed), tuple(pooled))


def suppress_cells(counts, *, min_size: int, force: Iterable[bool] | None = None) -> np.ndarray:
    """Rule 3 for one margin: mask of cells to suppress (primary + complementary).

    Primary: 0 < n < min_size (an empty cell discloses nobody), plus any ``force``d
    cell. Complementary: while the suppressed cells are fewer than two or sum to
    less than ``min_size``, also suppress the smallest remaining non-empty cell
    (ties: first in the given order), so the margin total minus the published
    cells only ever reveals a combined group of at least ``min_size``.
    """
    n = np.asarray(counts, dtype=float)
    mask = (n > 0) & (n < min_size)
    if force is not None:
        mask |= np.asarray(list(force), dtype=bool)
    if not mask.any():
        return mask
    order = np.lexsort((np.arange(len(n)), n))  # by size, then position
    for i in order:
        if mask.sum() >= 2 and n[mask].sum() >= min_size:
            break
        if not mask[i] and n[i] > 0:
            mask[i] = True
    if mask.sum() < 2 or n[mask].sum() < min_size:
        # cannot protect by complements (too few cells): suppress the whole margin
        mask[:] = n > 0
    return mask


def suppress_margins(
    df: pd.DataFrame, *, count_col: str, by: list[str], min_size: int, force_col: str | None = None
) -> pd.Series:
    """Apply :func:`suppress_cells` within every margin of ``by``; returns a boolean mask."""
    if df.empty:
        return pd.Series(False, index=df.index)
    out = pd.Series(False, index=df.index)
    # a one-item list as the key trips a pandas 4 deprecation (scalar vs tuple keys);
    # the keys are not used here, so group by the bare column name instead
    keys = by[0] if len(by) == 1 else by
    parts = df.groupby(keys, sort=True, dropna=False) if by else [((), df)]
    for _, sub in parts:
        force = sub[force_col].to_numpy(dtype=bool) if force_col else None
        out.loc[sub.index] = suppress_cells(
            sub[count_col].to_numpy(), min_size=min_size, force=force
        )
    return out


def blank(df: pd.DataFrame, mask, columns: Iterable[str]) -> pd.DataFrame:
    """Copy of ``df`` with ``columns`` emptied where ``mask`` is true; sets ``suppressed``."""
    out = df.copy()
    mask = pd.Series(np.asarray(mask, dtype=bool), index=out.index)
    for c in columns:
        if c not in out.columns:
            continue
        # nullable dtypes so a blanked integer count stays an integer, not 3.0
        if out[c].dtype.kind in "iu":
            out[c] = out[c].astype("Int64")
        elif out[c].dtype.kind == "b":
            out[c] = out[c].astype("boolean")
        out.loc[mask, c] = pd.NA
    out["suppressed"] = mask.to_numpy() | (
        out["suppressed"].to_numpy(dtype=bool) if "suppressed" in df.columns else False
    )
    return out


def check_publishable(df: pd.DataFrame, *, name: str) -> pd.DataFrame:
    """Rule 4: refuse to publish a table that carries respondent identifiers."""
    bad = sorted(FORBIDDEN_COLUMNS & set(map(str, df.columns)))
    if bad:
        raise ValueError(
            f"table {name!r} would publish respondent identifiers ({bad}); drop them "
            "before writing - published tables hold aggregates only"
        )
    return df
