"""Descriptive scores: per statement (counts, % positive, mean, dispersion) and per theme.

Input is the tidy ``responses`` frame of ``data/processed/<round>/responses.parquet``
(one row per respondent x statement; ``response`` null = left blank). Everything
is a pandas groupby, so a round of 32 CPPs x 1000 respondents scores in well
under a second. Column meanings are documented in docs/methodology.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpsa.stats.intervals import t_mean, wilson

OPTION_CODES = ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know")
POSITIVE = ("strongly_agree", "agree")
NEGATIVE = ("disagree", "strongly_disagree")
SCORES = {"strongly_agree": 4, "agree": 3, "disagree": 2, "strongly_disagree": 1}
BLANK = "blank"

ITEM_COUNT_COLUMNS = [f"n_{c}" for c in OPTION_CODES] + ["n_blank"]

REQUIRED_RESPONSE_COLUMNS = ("respondent_id", "cpp", "partner_type", "theme", "item", "response")


def check_responses(responses: pd.DataFrame) -> None:
    """Fail clearly when a responses frame is not the processed-data schema."""
    missing = [c for c in REQUIRED_RESPONSE_COLUMNS if c not in responses.columns]
    if missing:
        raise ValueError(
            f"responses is missing column(s) {missing}; expected the schema of "
            "data/processed/<round>/responses.parquet (re-run `cpsa ingest`)"
        )
    # factorize, not unique(): it hashes 1.5 million strings several times faster
    bad = set(pd.factorize(responses["response"])[1]) - set(OPTION_CODES)
    if bad:
        raise ValueError(
            f"responses has unknown response code(s) {sorted(bad)}; allowed: {OPTION_CODES}"
        )


def item_counts(responses: pd.DataFrame, *, by: list[str]) -> pd.DataFrame:
    """Counts of each response option (and blanks) per ``by`` group x theme x item.

    One ``np.bincount`` over integer codes instead of a string groupby: a
    benchmark round has 1.5 million answers. Rows are sorted by the keys.
    """
    check_responses(responses)
    keys = [*by, "theme", "item"]
    codes, uniques = [], []
    for k in keys:
        code, uniq = pd.factorize(responses[k], sort=True)
        if (code < 0).any():
            raise ValueError(f"responses has missing values in key column {k!r}")
        codes.append(code)
        uniques.append(np.asarray(uniq, dtype=object))
    dims = tuple(len(u) for u in uniques)
    group = np.ravel_multi_index(codes, dims) if codes else np.zeros(len(responses), int)
    option = _option_index(responses["response"])
    width = len(OPTION_CODES) + 1
    size = int(np.prod(dims)) if dims else 1
    flat = np.bincount(group * width + option, minlength=size * width).reshape(size, width)
    present = np.flatnonzero(flat.sum(axis=1) > 0)
    index = np.unravel_index(present, dims)
    out = pd.DataFrame({k: uniques[i][index[i]] for i, k in enumerate(keys)})
    for j, col in enumerate(ITEM_COUNT_COLUMNS):
        out[col] = flat[present, j].astype("int64")
    return out


def _option_index(response: pd.Series) -> np.ndarray:
    """Response code -> 0..4 in OPTION_CODES order; blank -> 5 (codes already checked).

    Factorizes the few distinct codes and maps those, instead of building a
    Categorical of every answer (~10x slower on a benchmark round).
    """
    codes, uniques = pd.factorize(response)
    lookup = np.array([OPTION_CODES.index(u) for u in uniques] + [len(OPTION_CODES)], np.int64)
    return lookup[codes]  # code -1 (blank) picks the last entry


def add_item_measures(counts: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Add n_valid, % positive with Wilson interval, % Don't know, mean, net, consensus."""
    out = counts.copy()
    pos = out["n_strongly_agree"] + out["n_agree"]
    neg = out["n_disagree"] + out["n_strongly_disagree"]
    n_valid = pos + neg
    out["n_answered"] = n_valid + out["n_dont_know"]
    out["n_valid"] = n_valid
    out["n_positive"] = pos
    out["n_negative"] = neg
    ok = n_valid > 0
    nv = n_valid.where(ok)
    out["pct_positive"] = 100 * pos / nv
    ci = wilson(pos.to_numpy(), n_valid.to_numpy(), confidence=confidence)
    out["ci_low"] = 100 * ci.low
    out["ci_high"] = 100 * ci.high
    out["pct_dont_know"] = 100 * out["n_dont_know"] / out["n_answered"].where(out["n_answered"] > 0)
    weighted = sum(out[f"n_{code}"] * s for code, s in SCORES.items())
    out["mean_score"] = weighted / nv
    out["net_agreement"] = 100 * (pos - neg) / nv
    minority = np.minimum(pos, neg)
    out["minority_share"] = 100 * minority / nv
    out["consensus"] = _tastle_wierman(out, nv)
    # (the old "divided" flag is gone: polarisation is tested in cpsa.stats.polarisation)
    return out


def _tastle_wierman(counts: pd.DataFrame, n_valid: pd.Series) -> pd.Series:
    """Tastle & Wierman (2007) consensus on the 1-4 scale: 1 = all agree, 0 = split at extremes."""
    mu = sum(counts[f"n_{c}"] * s for c, s in SCORES.items()) / n_valid
    width = max(SCORES.values()) - min(SCORES.values())
    total = pd.Series(0.0, index=counts.index)
    for code, s in SCORES.items():
        p = counts[f"n_{code}"] / n_valid
        inner = (1 - (s - mu).abs() / width).clip(lower=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(p > 0, p * np.log2(inner.where(p > 0, 1.0)), 0.0)
        total = total + term
    return (1 + total).where(n_valid.notna())


def item_scores(
    responses: pd.DataFrame, *, by: list[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per ``by`` group x statement: counts and every item measure (see methodology)."""
    return add_item_measures(item_counts(responses, by=by), confidence=confidence)


def respondent_theme_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent x theme they rated: n_rated, n_positive, score (0-1).

    A respondent's theme score is the share of positive answers among the theme's
    statements they rated (Don't know and blanks excluded). Respondents who rated
    none of a theme's statements have no score for it (they are not zeros).
    """
    check_responses(responses)
    keys = ["cpp", "partner_type", "respondent_id", "theme"]
    # integer keys + bincount instead of a four-string groupby (1.5 million rows per round);
    # factorize(sort=True) codes sort like the values, so rows come out in groupby order
    codes, uniques = [], []
    keep = np.ones(len(responses), dtype=bool)
    for k in keys:
        code, uniq = pd.factorize(responses[k], sort=True)
        if isinstance(uniq, pd.CategoricalIndex):  # keys come out as plain values
            uniq = pd.Index(np.asarray(uniq))
        keep &= code >= 0  # like groupby: rows with a missing key belong to no group
        codes.append(code)
        uniques.append(uniq)
    option = _option_index(responses["response"])
    if not keep.all():
        option, codes = option[keep], [c[keep] for c in codes]
    cpp, ptype, resp, theme = codes
    dims = [max(len(u), 1) for u in uniques]
    # bins per respondent x theme (a few hundred thousand) when each respondent has one CPP
    # and partner type, as ingest guarantees; else bins over all four keys, sorted
    cpp_of, ptype_of = np.zeros(dims[2], np.int64), np.zeros(dims[2], np.int64)
    cpp_of[resp], ptype_of[resp] = cpp, ptype
    if (cpp_of[resp] == cpp).all() and (ptype_of[resp] == ptype).all():
        group = resp * dims[3] + theme
        size = dims[2] * dims[3]
        slots = np.arange(size)
        r_of, t_of = slots // dims[3], slots % dims[3]
        order = np.lexsort((t_of, r_of, ptype_of[r_of], cpp_of[r_of]))
        group_index = (cpp_of[r_of][order], ptype_of[r_of][order], r_of[order], t_of[order])
        rank = np.empty(size, np.int64)
        rank[order] = slots
        group = rank[group]
    else:
        flat = np.ravel_multi_index([cpp, ptype, resp, theme], dims)
        keys_sorted, group = np.unique(flat, return_inverse=True)
        size = len(keys_sorted)
        group_index = np.unravel_index(keys_sorted, dims)
    n_rated = np.bincount(group, weights=option < len(POSITIVE + NEGATIVE), minlength=size)
    n_pos = np.bincount(group, weights=option < len(POSITIVE), minlength=size)
    rated = n_rated > 0
    index = [g[rated] for g in group_index]
    out = pd.DataFrame({k: uniques[i].take(index[i]) for i, k in enumerate(keys)})
    out["n_rated"] = n_rated[rated].astype(np.int64)
    out["n_positive"] = n_pos[rated].astype(np.int64)
    out["score"] = out["n_positive"] / out["n_rated"]
    return out


def theme_summary(
    resp_theme: pd.DataFrame, *, by: list[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Mean respondent theme score per ``by`` group x theme, in percent, with a t interval."""
    g = resp_theme.groupby([*by, "theme"], observed=True, sort=True)["score"]
    out = g.agg(n_respondents="size", mean="mean", sd="std").reset_index()
    ci = t_mean(out["mean"], out["sd"], out["n_respondents"], confidence=confidence)
    out["score"] = 100 * out["mean"]
    out["sd"] = 100 * out["sd"]
    out["ci_low"] = 100 * ci.low
    out["ci_high"] = 100 * ci.high
    return out.drop(columns="mean")
