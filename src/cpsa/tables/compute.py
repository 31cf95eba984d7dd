"""A round's statistics as DataFrames: the computations behind every published table.

Pure functions of in-memory data (:class:`RoundData`) and settings
(:class:`Settings`), so tests can feed small synthetic frames; reading the
processed files and writing the CSVs is :mod:`cpsa.tables.write`. Suppression is
applied here (via :mod:`cpsa.stats.suppression`) before any frame leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from cpsa.config import Thresholds
from cpsa.stats import suppression, topics
from cpsa.stats.classify import INFORMATION_GAP_DK_PCT, classify_items
from cpsa.stats.intervals import newcombe_difference, t_mean, welch_difference, wilson
from cpsa.stats.multiplicity import bh_adjust, bh_by_group
from cpsa.stats.redact import redact_series
from cpsa.stats.scoring import (
    ITEM_COUNT_COLUMNS,
    add_item_measures,
    item_counts,
    respondent_theme_scores,
    theme_summary,
)
from cpsa.stats.significance import (
    PermutationJob,
    direction,
    fisher_two_sided,
    kruskal_wallis,
    mann_whitney,
    run_permutation_jobs,
    sample_counts,
)

# fewest valid answers for a statement to be called a strength / area for improvement
MIN_VALID_FOR_CATEGORY = 3

ITEM_MEASURES = [
    "n_answered",
    "n_valid",
    "n_positive",
    "n_negative",
    "pct_positive",
    "ci_low",
    "ci_high",
    "pct_dont_know",
    "mean_score",
    "net_agreement",
    "minority_share",
    "consensus",
    "divided",
]


@dataclass(frozen=True)
class Settings:
    """The round-config settings the statistics depend on."""

    seed: int
    # defaults are the round config's, so the two cannot drift apart
    permutations: int = Thresholds.permutations
    q_threshold: float = Thresholds.q_threshold
    min_respondents_report: int = Thresholds.min_respondents_report
    min_group_cpp: int = Thresholds.min_group_cpp
    min_group_national: int = Thresholds.min_group_national
    confidence: float = 0.95


@dataclass(frozen=True)
class RoundData:
    """One round's processed data plus the structure it is analysed against."""

    round: str
    responses: pd.DataFrame
    respondents: pd.DataFrame
    comments: pd.DataFrame
    cpps: tuple[str, ...]  # participating CPPs (round config), sorted
    items: tuple[str, ...]  # statement ids in codebook order
    item_theme: dict[str, str]  # statement id -> theme id
    themes: tuple[str, ...]  # theme ids in codebook order
    members_invited: dict[str, int] = field(default_factory=dict)

    def n_by_cpp(self) -> dict[str, int]:
        """Respondents per participating CPP (0 for a CPP nobody answered for)."""
        return dict(self._n_by_cpp)

    # computed once per round and reused by every table (frames are never mutated)
    @cached_property
    def _n_by_cpp(self) -> dict[str, int]:
        n = self.respondents.groupby("cpp", observed=True)["respondent_id"].nunique()
        return {c: int(n.get(c, 0)) for c in self.cpps}

    @cached_property
    def theme_scores(self) -> pd.DataFrame:
        """Respondent-level theme scores (:func:`cpsa.stats.scoring.respondent_theme_scores`)."""
        return respondent_theme_scores(self.responses)

    @cached_property
    def grid_counts(self) -> pd.DataFrame:
        """Counts per CPP x statement for every participating CPP and statement."""
        return _grid_counts(self)


def _order(df: pd.DataFrame, col: str, order: tuple[str, ...]) -> pd.Series:
    return df[col].map({v: i for i, v in enumerate(order)})


def _sort(df: pd.DataFrame, keys: list[tuple[str, tuple[str, ...] | None]]) -> pd.DataFrame:
    """Sort by columns, each in a given order (codebook order) or alphabetically."""
    if df.empty:
        return df.reset_index(drop=True)
    tmp = df.copy()
    cols = []
    for i, (col, order) in enumerate(keys):
        name = f"__k{i}"
        tmp[name] = _order(tmp, col, order) if order is not None else tmp[col]
        cols.append(name)
    tmp = tmp.sort_values(cols, kind="mergesort")
    return tmp.drop(columns=cols).reset_index(drop=True)


def _grid_counts(data: RoundData) -> pd.DataFrame:
    """Counts per CPP x statement for every participating CPP and statement (zeros if none)."""
    counts = item_counts(data.responses, by=["cpp"]).drop(columns="theme")
    grid = pd.MultiIndex.from_product([data.cpps, data.items], names=["cpp", "item"])
    counts = counts.set_index(["cpp", "item"]).reindex(grid, fill_value=0).reset_index()
    counts.insert(2, "theme", counts["item"].map(data.item_theme))
    return counts


def _pooled(counts: pd.DataFrame, cpps: tuple[str, ...]) -> pd.DataFrame:
    """Counts of the given CPPs summed per statement (indexed by item)."""
    sub = counts[counts["cpp"].isin(cpps)]
    return sub.groupby("item", sort=False)[ITEM_COUNT_COLUMNS].sum()


# --------------------------------------------------------------------------- items


def cpp_items(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """cpp_items.csv: each CPP x statement against the rest of Scotland (pooled)."""
    counts = data.grid_counts
    items = add_item_measures(counts, confidence=s.confidence)
    national = _pooled(counts, pooling.pooled).reindex(list(data.items), fill_value=0)
    nat = national.loc[items["item"]].to_numpy()
    own = counts[ITEM_COUNT_COLUMNS].to_numpy()
    in_pool = items["cpp"].isin(pooling.pooled).to_numpy()[:, None]
    rest = pd.DataFrame(nat - np.where(in_pool, own, 0), columns=ITEM_COUNT_COLUMNS)
    rest_m = add_item_measures(rest.assign(cpp="", item=""), confidence=s.confidence)
    items["rest_n_valid"] = rest_m["n_valid"].to_numpy()
    items["rest_n_positive"] = rest_m["n_positive"].to_numpy()
    items["rest_pct_positive"] = rest_m["pct_positive"].to_numpy()
    items["rest_pct_dont_know"] = rest_m["pct_dont_know"].to_numpy()
    suppressed = ~items["cpp"].isin(pooling.reported)
    items["p_value"] = np.where(
        suppressed,
        np.nan,
        fisher_two_sided(
            items["n_positive"], items["n_valid"], items["rest_n_positive"], items["rest_n_valid"]
        ),
    )
    items["q_value"] = bh_by_group(items, by="cpp")
    _add_difference(items, "n_positive", "n_valid", "rest_n_positive", "rest_n_valid", s)
    items["significance"] = direction(items["diff_pp"], items["q_value"], q_threshold=s.q_threshold)
    items["suppressed"] = suppressed.to_numpy()
    items = classify_items(items, min_valid=MIN_VALID_FOR_CATEGORY)
    numeric = [c for c in items.columns if c not in ("cpp", "item", "theme", "suppressed")]
    items = suppression.blank(items, suppressed, numeric)
    items["category"] = items["category"].fillna("suppressed")
    first = ["cpp", "item", "n_valid", "n_positive", "n_dont_know", "pct_positive"]
    first += ["ci_low", "ci_high", "rest_n_valid", "rest_n_positive", "p_value", "q_value"]
    first += ["suppressed", "theme"]
    rest_cols = [c for c in items.columns if c not in first]
    return _sort(items[first + rest_cols], [("cpp", None), ("item", data.items)])


def _add_difference(df: pd.DataFrame, k1: str, n1: str, k2: str, n2: str, s: Settings) -> None:
    """Difference in % positive (percentage points) with Newcombe's hybrid score interval."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = df[k1] / df[n1].where(df[n1] > 0)
        p2 = df[k2] / df[n2].where(df[n2] > 0)
    df["diff_pp"] = 100 * (p1 - p2)
    ci = newcombe_difference(df[k1], df[n1], df[k2], df[n2], confidence=s.confidence)
    df["diff_ci_low"] = 100 * ci.low
    df["diff_ci_high"] = 100 * ci.high


def national_items(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """national_items.csv: every statement over all pooled CPPs."""
    counts = data.grid_counts
    nat = _pooled(counts, pooling.pooled).reindex(list(data.items), fill_value=0)
    nat = nat.reset_index()
    nat.insert(1, "theme", nat["item"].map(data.item_theme))
    out = add_item_measures(nat, confidence=s.confidence)
    out["n_cpps"] = len(pooling.pooled)
    first = ["item", "n_valid", "n_positive", "n_dont_know", "pct_positive", "ci_low", "ci_high"]
    first += ["theme"]
    return _sort(out[first + [c for c in out.columns if c not in first]], [("item", data.items)])


# --------------------------------------------------------------------------- themes


def _value_counts(rt: pd.DataFrame, key: str, values: np.ndarray) -> pd.DataFrame:
    """Matrix (rows = ``key`` groups) of how many respondent scores equal each value."""
    idx = np.searchsorted(values, rt["score"].to_numpy())
    frame = pd.DataFrame({key: rt[key].to_numpy(), "v": idx})
    mat = frame.groupby([key, "v"], observed=True).size().unstack("v", fill_value=0)
    return mat.reindex(columns=range(len(values)), fill_value=0)


def cpp_themes(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """cpp_themes.csv: mean respondent theme score per CPP x theme vs the rest of Scotland."""
    rt = data.theme_scores
    summ = theme_summary(rt, by=["cpp"], confidence=s.confidence)
    grid = pd.MultiIndex.from_product([data.cpps, data.themes], names=["cpp", "theme"])
    out = summ.set_index(["cpp", "theme"]).reindex(grid).reset_index()
    out["n_respondents"] = out["n_respondents"].fillna(0).astype("int64")
    rows, jobs, tested = [], [], []
    for theme in data.themes:
        sub = rt[rt["theme"] == theme]
        values = np.unique(sub["score"].to_numpy())
        mat = _value_counts(sub, "cpp", values)
        pool = mat.reindex(list(pooling.pooled), fill_value=0).sum().to_numpy()
        for cpp in data.cpps:
            own = mat.loc[cpp].to_numpy() if cpp in mat.index else np.zeros(len(values), int)
            rest = pool - (own if cpp in pooling.pooled else 0)
            n_rest = int(rest.sum())
            mean_rest = rest @ values / n_rest if n_rest else np.nan
            var_rest = (
                (rest @ values**2 - n_rest * mean_rest**2) / (n_rest - 1) if n_rest > 1 else np.nan
            )
            if cpp in pooling.reported:
                tested.append(len(rows))
                jobs.append(
                    PermutationJob(
                        values,
                        own,
                        rest,
                        seed=s.seed,
                        key=(data.round, "cpp-vs-rest", cpp, theme),
                        permutations=s.permutations,
                        stop_above=s.q_threshold,
                        stop_below=s.q_threshold / len(data.themes),
                    )
                )
            rows.append(
                {
                    "cpp": cpp,
                    "theme": theme,
                    "rest_n_respondents": n_rest,
                    "rest_score": 100 * mean_rest,
                    "rest_sd": 100 * np.sqrt(max(var_rest, 0.0)) if n_rest > 1 else np.nan,
                    **_NOT_TESTED,
                }
            )
    # all tests at once: run_permutation_jobs spreads them over the cores
    for i, res in zip(tested, run_permutation_jobs(jobs), strict=True):
        rows[i].update(_tested(res))
    out = out.merge(pd.DataFrame(rows), on=["cpp", "theme"], how="left")
    out["permutations"] = out["permutations"].astype("Int64")
    # the rest of Scotland's interval, as the CPP's own (theme_summary): drawn in the reports
    rest_ci = t_mean(
        out["rest_score"] / 100, out["rest_sd"] / 100, out["rest_n_respondents"],
        confidence=s.confidence,
    )  # fmt: skip
    out["rest_ci_low"], out["rest_ci_high"] = 100 * rest_ci.low, 100 * rest_ci.high
    _add_mean_difference(
        out, "score", "sd", "n_respondents", "rest_score", "rest_sd", "rest_n_respondents", s
    )
    out["q_value"] = bh_by_group(out, by="cpp")
    out["significance"] = direction(out["diff_pp"], out["q_value"], q_threshold=s.q_threshold)
    suppressed = ~out["cpp"].isin(pooling.reported)
    numeric = [c for c in out.columns if c not in ("cpp", "theme")]
    out = suppression.blank(out, suppressed, numeric)
    cols = ["cpp", "theme", "n_respondents", "score", "sd", "ci_low", "ci_high"]
    cols += ["rest_n_respondents", "rest_score", "rest_sd", "rest_ci_low", "rest_ci_high"]
    cols += ["diff_pp", "diff_ci_low"]
    cols += ["diff_ci_high", "p_value", "p_mc_se", "permutations", "q_value", "significance"]
    cols += ["suppressed"]
    return _sort(out[cols], [("cpp", None), ("theme", data.themes)])


_NOT_TESTED = {"p_value": np.nan, "p_mc_se": np.nan, "permutations": np.nan}


def _tested(res) -> dict:
    return {"p_value": res.p_value, "p_mc_se": res.mc_se, "permutations": res.permutations}


def _add_mean_difference(
    df: pd.DataFrame, m1: str, s1: str, n1: str, m2: str, s2: str, n2: str, s: Settings
) -> None:
    """Difference in mean theme score (percentage points) with a Welch t interval."""
    df["diff_pp"] = df[m1] - df[m2]
    ci = welch_difference(df[m1], df[s1], df[n1], df[m2], df[s2], df[n2], confidence=s.confidence)
    df["diff_ci_low"] = ci.low
    df["diff_ci_high"] = ci.high


def national_themes(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """national_themes.csv: mean respondent theme score over all pooled CPPs."""
    rt = data.theme_scores
    rt = rt[rt["cpp"].isin(pooling.pooled)].assign(scope="scotland")
    out = theme_summary(rt, by=["scope"], confidence=s.confidence).drop(columns="scope")
    grid = pd.DataFrame({"theme": list(data.themes)})
    out = grid.merge(out, on="theme", how="left")
    out["n_respondents"] = out["n_respondents"].fillna(0).astype("int64")
    out["n_cpps"] = len(pooling.pooled)
    cols = ["theme", "n_respondents", "score", "sd", "ci_low", "ci_high", "n_cpps"]
    return _sort(out[cols], [("theme", data.themes)])


# --------------------------------------------------------------------------- change


def change_items(
    cur: RoundData,
    base: RoundData,
    pool_cur: suppression.CppPooling,
    pool_base: suppression.CppPooling,
    s: Settings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """cpp_change_items.csv and national_change_items.csv: % positive now vs the baseline."""
    items = tuple(i for i in cur.items if i in set(base.items))
    c_now, c_base = cur.grid_counts, base.grid_counts
    both = tuple(c for c in cur.cpps if c in set(base.cpps))
    m_now = add_item_measures(c_now[c_now["cpp"].isin(both)], confidence=s.confidence)
    m_base = add_item_measures(c_base[c_base["cpp"].isin(both)], confidence=s.confidence)
    keep = ["cpp", "item", "n_valid", "n_positive", "pct_positive", "pct_dont_know"]
    per_cpp = m_now[keep + ["theme"]].merge(
        m_base[keep], on=["cpp", "item"], suffixes=("", "_base"), how="inner"
    )
    per_cpp = per_cpp[per_cpp["item"].isin(items)].reset_index(drop=True)
    ok = per_cpp["cpp"].isin(pool_cur.reported) & per_cpp["cpp"].isin(pool_base.reported)
    per_cpp = _change_tests(per_cpp, s, tested=ok.to_numpy())
    per_cpp["q_value"] = bh_by_group(per_cpp, by="cpp")
    per_cpp["significance"] = direction(
        per_cpp["diff_pp"], per_cpp["q_value"], q_threshold=s.q_threshold
    )
    numeric = [c for c in per_cpp.columns if c not in ("cpp", "item", "theme")]
    per_cpp = suppression.blank(per_cpp, ~ok, numeric)
    per_cpp = _sort(per_cpp, [("cpp", None), ("item", items)])

    n_now = _pooled(c_now, pool_cur.pooled).reindex(list(items), fill_value=0).reset_index()
    n_base = _pooled(c_base, pool_base.pooled).reindex(list(items), fill_value=0).reset_index()
    a = add_item_measures(n_now, confidence=s.confidence)[keep[1:]]
    b = add_item_measures(n_base, confidence=s.confidence)[keep[1:]]
    nat = a.merge(b, on="item", suffixes=("", "_base"))
    nat.insert(1, "theme", nat["item"].map(cur.item_theme))
    nat = _change_tests(nat, s, tested=np.ones(len(nat), dtype=bool))
    nat["q_value"] = bh_adjust(nat["p_value"].to_numpy())
    nat["significance"] = direction(nat["diff_pp"], nat["q_value"], q_threshold=s.q_threshold)
    return per_cpp, _sort(nat, [("item", items)])


def _change_tests(df: pd.DataFrame, s: Settings, *, tested: np.ndarray) -> pd.DataFrame:
    df = df.copy()
    _add_difference(df, "n_positive", "n_valid", "n_positive_base", "n_valid_base", s)
    p = fisher_two_sided(df["n_positive"], df["n_valid"], df["n_positive_base"], df["n_valid_base"])
    df["p_value"] = np.where(tested, p, np.nan)
    return df


def change_themes(
    cur: RoundData,
    base: RoundData,
    pool_cur: suppression.CppPooling,
    pool_base: suppression.CppPooling,
    s: Settings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """cpp_change_themes.csv and national_change_themes.csv: theme score now vs baseline."""
    themes = tuple(t for t in cur.themes if t in set(base.themes))
    rt_now = cur.theme_scores
    rt_base = base.theme_scores
    both = tuple(c for c in cur.cpps if c in set(base.cpps))
    rows, jobs, tested = [], [], []
    now_by = _score_arrays(rt_now, ["cpp", "theme"])
    base_by = _score_arrays(rt_base, ["cpp", "theme"])
    none = np.empty(0)
    for cpp in both:
        ok = cpp in pool_cur.reported and cpp in pool_base.reported
        for theme in themes:
            x = now_by.get((cpp, theme), none)
            y = base_by.get((cpp, theme), none)
            if ok:
                tested.append(len(rows))
                jobs.append(_change_job(x, y, s, (cur.round, "change", cpp, theme), len(themes)))
            rows.append({"cpp": cpp, "theme": theme, **_change_theme_row(x, y, s)})
    a_pool = rt_now[rt_now["cpp"].isin(pool_cur.pooled)]
    b_pool = rt_base[rt_base["cpp"].isin(pool_base.pooled)]
    a_by = _score_arrays(a_pool, ["theme"])
    b_by = _score_arrays(b_pool, ["theme"])
    nrows = []
    for theme in themes:
        x, y = a_by.get((theme,), none), b_by.get((theme,), none)
        jobs.append(_change_job(x, y, s, (cur.round, "change", "scotland", theme), len(themes)))
        nrows.append({"theme": theme, **_change_theme_row(x, y, s)})
    # the CPP and the national tests at once: run_permutation_jobs spreads them over the cores
    results = run_permutation_jobs(jobs)
    for i, res in zip(tested, results[: len(tested)], strict=True):
        rows[i].update(_tested(res))
    for row, res in zip(nrows, results[len(tested) :], strict=True):
        row.update(_tested(res))
    per_cpp = pd.DataFrame(rows, columns=["cpp", "theme", *_CHANGE_THEME_COLS])
    per_cpp["permutations"] = per_cpp["permutations"].astype("Int64")
    per_cpp["q_value"] = bh_by_group(per_cpp, by="cpp")
    per_cpp["significance"] = direction(
        per_cpp["diff_pp"], per_cpp["q_value"], q_threshold=s.q_threshold
    )
    sup = ~(per_cpp["cpp"].isin(pool_cur.reported) & per_cpp["cpp"].isin(pool_base.reported))
    numeric = [c for c in per_cpp.columns if c not in ("cpp", "theme")]
    per_cpp = _sort(suppression.blank(per_cpp, sup, numeric), [("cpp", None), ("theme", themes)])

    nat = pd.DataFrame(nrows, columns=["theme", *_CHANGE_THEME_COLS])
    nat["permutations"] = nat["permutations"].astype("Int64")
    nat["q_value"] = bh_adjust(nat["p_value"].to_numpy())
    nat["significance"] = direction(nat["diff_pp"], nat["q_value"], q_threshold=s.q_threshold)
    return per_cpp, _sort(nat, [("theme", themes)])


def _score_arrays(rt: pd.DataFrame, keys: list[str]) -> dict[tuple, np.ndarray]:
    """Respondent theme scores grouped once: ``{key tuple: scores}``."""
    return {
        (k if isinstance(k, tuple) else (k,)): g.to_numpy(dtype=float)
        for k, g in rt.groupby(keys, observed=True, sort=False)["score"]
    }


_CHANGE_THEME_COLS = [
    "n_respondents",
    "score",
    "n_respondents_base",
    "score_base",
    "diff_pp",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "p_mc_se",
    "permutations",
]


def _change_job(x, y, s: Settings, key: tuple[str, ...], family: int) -> PermutationJob:
    """The permutation test of theme scores now (x) vs baseline (y) for one CPP or Scotland."""
    values, counts_x, counts_y = sample_counts(x, y)
    return PermutationJob(
        values,
        counts_x,
        counts_y,
        seed=s.seed,
        key=key,
        permutations=s.permutations,
        stop_above=s.q_threshold,
        stop_below=s.q_threshold / family,
    )


def _change_theme_row(x, y, s: Settings) -> dict:
    nx, ny = len(x), len(y)
    mx = float(np.mean(x)) if nx else np.nan
    my = float(np.mean(y)) if ny else np.nan
    sx = float(np.std(x, ddof=1)) if nx > 1 else np.nan
    sy = float(np.std(y, ddof=1)) if ny > 1 else np.nan
    ci = welch_difference(mx, sx, nx, my, sy, ny, confidence=s.confidence)
    return {
        "n_respondents": nx,
        "score": 100 * mx,
        "n_respondents_base": ny,
        "score_base": 100 * my,
        "diff_pp": 100 * (mx - my),
        "diff_ci_low": 100 * float(ci.low),
        "diff_ci_high": 100 * float(ci.high),
        **_NOT_TESTED,
    }


# --------------------------------------------------------------------------- national breakdowns


def participation(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """participation.csv: respondents by partner type (suppressed < min_group_national)."""
    resp = data.respondents[data.respondents["cpp"].isin(pooling.pooled)]
    by_type = resp.groupby("partner_type", observed=True)["respondent_id"].nunique()
    out = by_type.rename("n_respondents").reset_index().rename(columns={"partner_type": "group"})
    out = out.sort_values("group", kind="mergesort").reset_index(drop=True)
    mask = suppression.suppress_cells(out["n_respondents"], min_size=s.min_group_national)
    out["pct_of_respondents"] = 100 * out["n_respondents"] / max(len(resp), 1)
    out = suppression.blank(out, mask, ["n_respondents", "pct_of_respondents"])
    invited = sum(data.members_invited.get(c, 0) for c in pooling.pooled)
    have_sizes = all(c in data.members_invited for c in pooling.pooled)
    rates = [
        100 * data.n_by_cpp()[c] / data.members_invited[c]
        for c in pooling.reported
        if data.members_invited.get(c)
    ]
    total = pd.DataFrame(
        [
            {
                "group": "all",
                "n_respondents": len(resp),
                "pct_of_respondents": 100.0 if len(resp) else np.nan,
                "suppressed": False,
                "n_cpps_participating": len(data.cpps),
                "n_cpps_reported": len(pooling.reported),
                "n_cpps_pooled": len(pooling.pooled),
                "members_invited": invited if have_sizes and invited else np.nan,
                "response_rate": 100 * len(resp) / invited if have_sizes and invited else np.nan,
                "cpp_response_rate_q25": np.quantile(rates, 0.25) if rates else np.nan,
                "cpp_response_rate_median": np.quantile(rates, 0.5) if rates else np.nan,
                "cpp_response_rate_q75": np.quantile(rates, 0.75) if rates else np.nan,
            }
        ]
    )
    both = pd.concat([total, out], ignore_index=True)
    ints = ["n_respondents", "n_cpps_participating", "n_cpps_reported", "n_cpps_pooled"]
    return both.astype({c: "Int64" for c in [*ints, "members_invited"]})


def partner_types(
    data: RoundData, pooling: suppression.CppPooling, s: Settings, *, suppressed_types: set[str]
) -> pd.DataFrame:
    """partner_types.csv: theme scores by partner type nationally, each vs all other types."""
    rt = data.theme_scores
    rt = rt[rt["cpp"].isin(pooling.pooled)]
    types = sorted(rt["partner_type"].unique())
    rows = []
    for theme in data.themes:
        sub = rt[rt["theme"] == theme]
        groups = {t: sub.loc[sub["partner_type"] == t, "score"].to_numpy() for t in types}
        kw = kruskal_wallis(list(groups.values()))
        for t in types:
            x = groups[t]
            y = sub.loc[sub["partner_type"] != t, "score"].to_numpy()
            rows.append(
                {
                    "theme": theme,
                    "partner_type": t,
                    "n_respondents": len(x),
                    "score": 100 * x.mean() if len(x) else np.nan,
                    "sd": 100 * x.std(ddof=1) if len(x) > 1 else np.nan,
                    "others_n_respondents": len(y),
                    "others_score": 100 * y.mean() if len(y) else np.nan,
                    "others_sd": 100 * y.std(ddof=1) if len(y) > 1 else np.nan,
                    "p_value": mann_whitney(x, y),
                    "kw_statistic": kw.statistic,
                    "kw_p_value": kw.p_value,
                }
            )
    cols = ["theme", "partner_type", "n_respondents", "score", "sd", "others_n_respondents"]
    cols += ["others_score", "others_sd", "p_value", "kw_statistic", "kw_p_value"]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    ci = t_mean(out["score"] / 100, out["sd"] / 100, out["n_respondents"], confidence=s.confidence)
    out["ci_low"], out["ci_high"] = 100 * ci.low, 100 * ci.high
    _add_mean_difference(
        out, "score", "sd", "n_respondents", "others_score", "others_sd", "others_n_respondents", s
    )
    force = out["partner_type"].isin(suppressed_types)
    sup = suppression.suppress_margins(
        out.assign(_f=force),
        count_col="n_respondents",
        by=["theme"],
        min_size=s.min_group_national,
        force_col="_f",
    )
    # one family: every partner type x theme comparison shown in the national report
    out["p_value"] = np.where(sup, np.nan, out["p_value"])
    out["q_value"] = bh_adjust(out["p_value"].to_numpy())
    kw_first = out.drop_duplicates("theme")[["theme", "kw_p_value"]]
    kw_q = dict(zip(kw_first["theme"], bh_adjust(kw_first["kw_p_value"].to_numpy()), strict=True))
    out["kw_q_value"] = out["theme"].map(kw_q)
    out["significance"] = direction(out["diff_pp"], out["q_value"], q_threshold=s.q_threshold)
    numeric = [c for c in out.columns if c not in ("theme", "partner_type")]
    numeric = [c for c in numeric if not c.startswith("kw_")]
    out = suppression.blank(out, sup.to_numpy(), numeric)
    return _sort(out, [("theme", data.themes), ("partner_type", None)])


def variation_themes(cpp_theme: pd.DataFrame, themes: tuple[str, ...]) -> pd.DataFrame:
    """variation_themes.csv: how CPPs spread around the rest of Scotland, per theme, anonymised."""
    rows = []
    shown = cpp_theme[~cpp_theme["suppressed"].astype(bool)]
    for theme in themes:
        sub = shown[shown["theme"] == theme]
        scores = sub["score"].dropna().astype(float).to_numpy()
        sig = sub["significance"].astype(object)
        qs = np.quantile(scores, [0.1, 0.25, 0.5, 0.75, 0.9]) if len(scores) else [np.nan] * 5
        rows.append(
            {
                "theme": theme,
                "n_cpps": len(sub),
                "n_higher": int((sig == "higher").sum()),
                "n_lower": int((sig == "lower").sum()),
                "n_similar": int((sig == "similar").sum()),
                "score_p10": float(qs[0]),
                "score_q25": float(qs[1]),
                "score_median": float(qs[2]),
                "score_q75": float(qs[3]),
                "score_p90": float(qs[4]),
            }
        )
    return pd.DataFrame(rows)


def dont_know(nat_items: pd.DataFrame, cpp_item: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """dont_know.csv: national Don't know rate per statement, and how many CPPs reach 25%."""
    out = nat_items[["item", "theme", "n_answered", "n_dont_know", "pct_dont_know"]].copy()
    ci = wilson(out["n_dont_know"], out["n_answered"], confidence=s.confidence)
    out["ci_low"], out["ci_high"] = 100 * ci.low, 100 * ci.high
    shown = cpp_item[~cpp_item["suppressed"].astype(bool)]
    gap = shown["pct_dont_know"].astype(float) >= INFORMATION_GAP_DK_PCT
    n_gap = shown.assign(_g=gap).groupby("item")["_g"].sum()
    out["n_cpps_information_gap"] = out["item"].map(n_gap).fillna(0).astype("int64")
    return out


def comment_counts(data: RoundData, pooling: suppression.CppPooling) -> pd.DataFrame:
    """comment_counts.csv: number of comments per theme x kind over pooled CPPs."""
    c = data.comments
    c = c[c["cpp"].isin(pooling.pooled) & c["text"].fillna("").str.strip().ne("")]
    grid = pd.MultiIndex.from_product(
        [data.themes, ("strengths", "improvements")], names=["theme", "kind"]
    )
    n = c.groupby(["theme", "kind"], observed=True).size().reindex(grid, fill_value=0)
    out = n.rename("n_comments").reset_index()
    out["n_cpps_with_comments"] = (
        c.groupby(["theme", "kind"], observed=True)["cpp"].nunique().reindex(grid, fill_value=0)
    ).to_numpy()
    return out


def cpp_comments(data: RoundData) -> dict[str, pd.DataFrame]:
    """Each CPP's comments, redacted, ordered by theme, kind, text (never by respondent)."""
    c = data.comments
    c = c[c["text"].fillna("").str.strip().ne("")]
    text, _ = redact_series(c["text"].astype(str).str.strip())
    out = pd.DataFrame({"cpp": c["cpp"].to_numpy(), "theme": c["theme"].to_numpy(),
                        "kind": c["kind"].to_numpy(), "text": text.to_numpy()})  # fmt: skip
    out = out.sort_values(["cpp", "theme", "kind", "text"], kind="mergesort")
    empty = out.iloc[0:0].drop(columns="cpp").reset_index(drop=True)
    groups = {k: g.drop(columns="cpp").reset_index(drop=True) for k, g in out.groupby("cpp")}
    return {cpp: groups.get(cpp, empty) for cpp in data.cpps}


# --------------------------------------------------------------------------- national overview (h8)


def participation_cpps(data: RoundData, pooling: suppression.CppPooling) -> pd.DataFrame:
    """participation_cpps.csv: each participating CPP's board members invited and answering.

    Participation is public (the overview lists who took part); results by CPP are not,
    so this table holds counts of people only, never an answer.
    """
    n = data.n_by_cpp()
    rows = [
        {
            "cpp": cpp,
            "members_invited": data.members_invited.get(cpp),
            "n_respondents": n[cpp],
            "reported": cpp in pooling.reported,
        }
        for cpp in data.cpps
    ]
    out = pd.DataFrame(rows, columns=["cpp", "members_invited", "n_respondents", "reported"])
    return out.astype({"members_invited": "Int64", "n_respondents": "int64", "reported": "bool"})


def comment_topics(
    data: RoundData,
    pooling: suppression.CppPooling,
    settings: topics.TopicSettings,
    *,
    stop_names: tuple[str, ...] = (),
) -> pd.DataFrame:
    """comment_topics.csv: recurring topics per theme x box, over pooled CPPs, redacted first."""
    c = data.comments
    c = c[c["cpp"].isin(pooling.pooled) & c["text"].fillna("").str.strip().ne("")]
    text, _ = redact_series(c["text"].astype(str).str.strip())
    frame = pd.DataFrame(
        {
            "cpp": c["cpp"].astype(str).to_numpy(),
            "theme": c["theme"].astype(str).to_numpy(),
            "kind": c["kind"].astype(str).to_numpy(),
            "text": text.to_numpy(),
        }
    )
    return topics.comment_topics(
        frame, themes=data.themes, settings=settings, stop_names=stop_names
    )
