"""A round's statistics as DataFrames: the computations behind every published table.

Pure functions of in-memory data (:class:`RoundData`) and settings
(:class:`Settings`), so tests can feed small synthetic frames; reading the
processed files and writing the CSVs is :mod:`cpsa.tables.write`. Suppression is
applied here (via :mod:`cpsa.stats.suppression`) before any frame leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from cpsa.config import Thresholds
from cpsa.stats import suppression, topics
from cpsa.stats.classify import INFORMATION_GAP_DK_PCT, classify_items
from cpsa.stats.cluster import (
    cluster_difference,
    cluster_mean,
    cluster_wald_equal_means,
    effective_n,
)
from cpsa.stats.intervals import newcombe_difference, t_mean, welch_difference, wilson
from cpsa.stats.multiplicity import bh_adjust, bh_by_group
from cpsa.stats.polarisation import polarisation_p
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
    run_permutation_jobs,
    sample_counts,
    settle_family,
)

log = logging.getLogger("cpsa.tables.compute")

# a permutation test near the decision threshold draws at most this many times the
# configured number of permutations while its BH verdict is not yet settled
MAX_PERMUTATION_FACTOR = 20
# rounding of published quantiles of CPP figures (percentage points), so that no
# quantile gives back one CPP's figure
QUANTILE_ROUNDING = 5.0

# the figures of a statement that come from its valid answers: withheld when fewer than
# thresholds.min_valid_statement members gave a valid answer (their answers would show)
VALID_ANSWER_FIGURES = [
    "n_positive", "n_negative", "n_strongly_agree", "n_agree", "n_disagree",
    "n_strongly_disagree", "pct_positive", "ci_low", "ci_high", "mean_score",
    "net_agreement", "minority_share", "consensus", "polarisation_p", "polarised",
    "p_above_75", "p_below_60", "certainty",
]  # fmt: skip
# rest-of-Scotland columns of cpp_items (withheld with the comparison)
REST_ITEM_COLUMNS = [
    "rest_n_valid", "rest_n_positive", "rest_pct_positive", "rest_pct_dont_know",
    "p_value", "q_value", "diff_pp", "diff_ci_low", "diff_ci_high",
]  # fmt: skip


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
    min_reported_cpps: int = Thresholds.min_reported_cpps
    min_valid_statement: int = Thresholds.min_valid_statement
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


def rest_comparison_allowed(pooling: suppression.CppPooling, s: Settings) -> bool:
    """Disclosure: rest-of-Scotland comparisons need ``min_reported_cpps`` reported CPPs.

    With two CPPs, one CPP's "rest of Scotland" is exactly the other CPP.
    """
    return len(pooling.reported) >= s.min_reported_cpps


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
    few = items["n_valid"].to_numpy() < s.min_valid_statement
    items["too_few_valid"] = few & ~suppressed.to_numpy()
    rest_ok = rest_comparison_allowed(pooling, s)
    if not rest_ok:
        log.warning(
            "round %s: only %d CPPs have a report (fewer than thresholds.min_reported_cpps = "
            "%d): no rest-of-Scotland comparison is published",
            data.round, len(pooling.reported), s.min_reported_cpps,
        )  # fmt: skip
    no_rest = suppressed.to_numpy() | few | (not rest_ok)
    items["p_value"] = np.where(
        no_rest,
        np.nan,
        fisher_two_sided(
            items["n_positive"], items["n_valid"], items["rest_n_positive"], items["rest_n_valid"]
        ),
    )
    items["q_value"] = bh_by_group(items, by="cpp")
    _add_difference(items, "n_positive", "n_valid", "rest_n_positive", "rest_n_valid", s)
    items["significance"] = _verdict(items, s)
    tested = ~(suppressed.to_numpy() | few)
    pol = polarisation_p(items["n_strongly_agree"], items["n_strongly_disagree"], items["n_valid"])
    items["polarisation_p"] = np.where(tested, pol, np.nan)
    items["polarised"] = tested & (items["polarisation_p"].fillna(1.0) < s.q_threshold)
    items["suppressed"] = suppressed.to_numpy()
    items = classify_items(items, min_valid=s.min_valid_statement)
    items = suppression.blank(items, no_rest & ~suppressed.to_numpy(), REST_ITEM_COLUMNS)
    items["significance"] = np.where(no_rest, "", items["significance"]).astype(object)
    items = suppression.blank(items, few & ~suppressed.to_numpy(), VALID_ANSWER_FIGURES)
    items["suppressed"] = suppressed.to_numpy()  # blank() marks partly withheld rows too
    numeric = [c for c in items.columns if c not in ("cpp", "item", "theme", "suppressed")]
    items = suppression.blank(items, suppressed, numeric)
    items["category"] = items["category"].fillna("suppressed")
    first = ["cpp", "item", "n_valid", "n_positive", "n_dont_know", "pct_positive"]
    first += ["ci_low", "ci_high", "rest_n_valid", "rest_n_positive", "p_value", "q_value"]
    first += ["suppressed", "theme"]
    rest_cols = [c for c in items.columns if c not in first]
    return _sort(items[first + rest_cols], [("cpp", None), ("item", data.items)])


def _verdict(df: pd.DataFrame, s: Settings) -> np.ndarray:
    """The significance rule with the difference interval (a verdict never contradicts it)."""
    return direction(
        df["diff_pp"], df["q_value"], q_threshold=s.q_threshold,
        low=df["diff_ci_low"], high=df["diff_ci_high"],
    )  # fmt: skip


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
    """national_items.csv: every statement over all pooled CPPs, CPP-cluster-aware interval.

    ``ci_low``/``ci_high``: Wilson score interval with the effective sample size
    n / deff, deff = CPP-cluster-robust variance / simple-random-sampling variance
    of % positive (:mod:`cpsa.stats.cluster`).
    """
    counts = data.grid_counts
    nat = _pooled(counts, pooling.pooled).reindex(list(data.items), fill_value=0)
    nat = nat.reset_index()
    nat.insert(1, "theme", nat["item"].map(data.item_theme))
    out = add_item_measures(nat, confidence=s.confidence)
    nv, kp = _item_matrices(counts, list(pooling.pooled), list(out["item"]))
    deff = [
        float(cluster_mean(nv[:, j], kp[:, j], kp[:, j], confidence=s.confidence).deff)
        for j in range(nv.shape[1])
    ]
    out["deff"] = deff
    n_eff = effective_n(out["n_valid"], out["deff"])
    k_eff = n_eff * out["pct_positive"].to_numpy() / 100
    ci = wilson(np.nan_to_num(k_eff), n_eff, confidence=s.confidence)
    out["ci_low"] = np.where(out["n_valid"] > 0, 100 * ci.low, np.nan)
    out["ci_high"] = np.where(out["n_valid"] > 0, 100 * ci.high, np.nan)
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
    """cpp_themes.csv: mean respondent theme score per CPP x theme vs the rest of Scotland.

    Test: studentized (Welch t) permutation test, drawn until the BH verdict of the
    CPP's family is settled (:func:`settle_family`); interval: Welch. A verdict
    needs both (:func:`_verdict`).
    """
    rt = data.theme_scores
    summ = theme_summary(rt, by=["cpp"], confidence=s.confidence)
    grid = pd.MultiIndex.from_product([data.cpps, data.themes], names=["cpp", "theme"])
    out = summ.set_index(["cpp", "theme"]).reindex(grid).reset_index()
    out["n_respondents"] = out["n_respondents"].fillna(0).astype("int64")
    rest_ok = rest_comparison_allowed(pooling, s)
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
            if cpp in pooling.reported and rest_ok and int(own.sum()) >= s.min_valid_statement:
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
    # all tests at once: run_permutation_jobs spreads them over the cores; settled for the
    # reports' per-CPP families and for the national counts' single family
    results = _settled_results(jobs, [rows[i]["cpp"] for i in tested], s, national=True)
    for i, (res, ok) in zip(tested, results, strict=True):
        rows[i].update(_tested(res, ok))
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
    out["significance"] = _verdict(out, s)
    suppressed = ~out["cpp"].isin(pooling.reported)
    few = out["n_respondents"].to_numpy() < s.min_valid_statement
    out["too_few_valid"] = few & ~suppressed.to_numpy()
    rest_cols = ["rest_n_respondents", "rest_score", "rest_sd", "rest_ci_low", "rest_ci_high"]
    rest_cols += ["diff_pp", "diff_ci_low"]
    rest_cols += ["diff_ci_high", "p_value", "p_mc_se", "permutations", "q_value", "mc_settled"]
    no_rest = (few | (not rest_ok)) & ~suppressed.to_numpy()
    out = suppression.blank(out, no_rest, rest_cols)
    out = suppression.blank(out, few & ~suppressed.to_numpy(), ["score", "sd", "ci_low", "ci_high"])
    out["significance"] = np.where(no_rest, "", out["significance"]).astype(object)
    out["suppressed"] = suppressed.to_numpy()
    numeric = [c for c in out.columns if c not in ("cpp", "theme", "suppressed")]
    out = suppression.blank(out, suppressed, numeric)
    cols = ["cpp", "theme", "n_respondents", "score", "sd", "ci_low", "ci_high"]
    cols += ["rest_n_respondents", "rest_score", "rest_sd", "rest_ci_low", "rest_ci_high"]
    cols += ["diff_pp", "diff_ci_low", "diff_ci_high", "p_value", "p_mc_se", "permutations"]
    cols += ["mc_settled", "q_value", "significance", "too_few_valid", "suppressed"]
    return _sort(out[cols], [("cpp", None), ("theme", data.themes)])


_NOT_TESTED = {"p_value": np.nan, "p_mc_se": np.nan, "permutations": np.nan, "mc_settled": pd.NA}


def _settled_results(
    jobs: list[PermutationJob], families: list, s: Settings, *, national: bool = False
) -> list:
    """Run the tests, then draw more where Monte Carlo error could change a BH verdict.

    ``families``: the BH family of each test (the CPP). With ``national``, the tests
    are also settled as one family over all CPPs (the national counts of
    :func:`variation_themes`); a test is settled when both of its families are.
    """
    if not jobs:
        return []
    res = run_permutation_jobs(jobs)
    cap = MAX_PERMUTATION_FACTOR * s.permutations
    res, ok = settle_family(jobs, res, families=families, q_threshold=s.q_threshold,
                            max_permutations=cap)  # fmt: skip
    if national:
        res, ok_all = settle_family(jobs, res, families=["all"] * len(jobs),
                                    q_threshold=s.q_threshold, max_permutations=cap)  # fmt: skip
        ok = [a and b for a, b in zip(ok, ok_all, strict=True)]
    return list(zip(res, ok, strict=True))


def _tested(res, settled: bool = True) -> dict:
    return {
        "p_value": res.p_value,
        "p_mc_se": res.mc_se,
        "permutations": res.permutations,
        "mc_settled": bool(settled),
    }


def _add_mean_difference(
    df: pd.DataFrame, m1: str, s1: str, n1: str, m2: str, s2: str, n2: str, s: Settings
) -> None:
    """Difference in mean theme score (percentage points) with a Welch t interval."""
    df["diff_pp"] = df[m1] - df[m2]
    ci = welch_difference(df[m1], df[s1], df[n1], df[m2], df[s2], df[n2], confidence=s.confidence)
    df["diff_ci_low"] = ci.low
    df["diff_ci_high"] = ci.high


def national_themes(data: RoundData, pooling: suppression.CppPooling, s: Settings) -> pd.DataFrame:
    """national_themes.csv: mean respondent theme score over all pooled CPPs.

    ``ci_low``/``ci_high``: CPP-cluster-robust t interval (G - 1 degrees of freedom).
    """
    rt = data.theme_scores
    rt = rt[rt["cpp"].isin(pooling.pooled)]
    rows = []
    for theme in data.themes:
        sub = rt[rt["theme"] == theme]
        n, sm, ss = _cluster_sums(sub, list(pooling.pooled))
        est = cluster_mean(n, sm, ss, confidence=s.confidence)
        y = sub["score"].to_numpy(dtype=float)
        rows.append(
            {
                "theme": theme,
                "n_respondents": len(y),
                "score": 100 * float(est.estimate),
                "sd": 100 * float(np.std(y, ddof=1)) if len(y) > 1 else np.nan,
                "ci_low": 100 * float(np.clip(est.low, 0, 1)),
                "ci_high": 100 * float(np.clip(est.high, 0, 1)),
                "deff": float(est.deff),
            }
        )
    out = pd.DataFrame(
        rows, columns=["theme", "n_respondents", "score", "sd", "ci_low", "ci_high", "deff"]
    )
    out["n_respondents"] = out["n_respondents"].astype("int64")
    out["n_cpps"] = len(pooling.pooled)
    cols = ["theme", "n_respondents", "score", "sd", "ci_low", "ci_high", "n_cpps", "deff"]
    return _sort(out[cols], [("theme", data.themes)])


def _cluster_sums(rt: pd.DataFrame, cpps: list[str], col: str = "score"):
    """Per-CPP n, sum and sum of squares of ``col`` (CPPs in the given order, 0 if absent)."""
    code = pd.Categorical(np.asarray(rt["cpp"], dtype=object), categories=list(cpps)).codes
    y = rt[col].to_numpy(dtype=float)
    ok = code >= 0
    code, y = code[ok], y[ok]
    k = len(cpps)
    return (
        np.bincount(code, minlength=k).astype(float),
        np.bincount(code, weights=y, minlength=k),
        np.bincount(code, weights=y * y, minlength=k),
    )


# --------------------------------------------------------------------------- change


SCOPES = ("all", "both_rounds")


def change_scopes(
    pool_cur: suppression.CppPooling,
    pool_base: suppression.CppPooling,
    s: Settings,
    n_cur: dict[str, int],
    n_base: dict[str, int],
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The CPP sets (now, baseline) of each published national change scope.

    ``all``: every pooled CPP of each round. ``both_rounds``: the CPPs pooled in both
    rounds (like with like). The second is published only when, in each round, the
    CPPs it leaves out are none, or at least two with at least
    ``min_respondents_report`` respondents together (rule 2 of the suppression
    module): otherwise "all" minus "both_rounds" would give one CPP's figures.
    """
    both = tuple(c for c in pool_cur.pooled if c in set(pool_base.pooled))
    out = {"all": (pool_cur.pooled, pool_base.pooled)}
    safe = True
    for pooled, n_by in ((pool_cur.pooled, n_cur), (pool_base.pooled, n_base)):
        left = [c for c in pooled if c not in both]
        if left and (len(left) < 2 or sum(n_by.get(c, 0) for c in left) < s.min_respondents_report):
            safe = False
    if safe:
        out["both_rounds"] = (both, both)
    return out  # fmt: skip


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
    ok = (
        per_cpp["cpp"].isin(pool_cur.reported) & per_cpp["cpp"].isin(pool_base.reported)
    ).to_numpy()
    few_now = per_cpp["n_valid"].to_numpy() < s.min_valid_statement
    few_base = per_cpp["n_valid_base"].to_numpy() < s.min_valid_statement
    per_cpp = _change_tests(per_cpp, s, tested=ok & ~few_now & ~few_base)
    per_cpp["q_value"] = bh_by_group(per_cpp, by="cpp")
    per_cpp["significance"] = _verdict(per_cpp, s)
    per_cpp["too_few_valid"] = (few_now | few_base) & ok
    diff_cols = ["diff_pp", "diff_ci_low", "diff_ci_high", "p_value", "q_value"]
    per_cpp = suppression.blank(per_cpp, (few_now | few_base) & ok, diff_cols)
    per_cpp = suppression.blank(per_cpp, few_now & ok, ["n_positive", "pct_positive"])
    per_cpp = suppression.blank(per_cpp, few_base & ok, ["n_positive_base", "pct_positive_base"])
    per_cpp["significance"] = np.where((few_now | few_base) & ok, "", per_cpp["significance"])
    per_cpp["suppressed"] = ~ok
    numeric = [c for c in per_cpp.columns if c not in ("cpp", "item", "theme", "suppressed")]
    per_cpp = suppression.blank(per_cpp, ~ok, numeric)
    per_cpp = _sort(per_cpp, [("cpp", None), ("item", items)])

    scopes = change_scopes(pool_cur, pool_base, s, cur.n_by_cpp(), base.n_by_cpp())
    parts = []
    for scope, (now_cpps, base_cpps) in scopes.items():
        n_now = _pooled(c_now, now_cpps).reindex(list(items), fill_value=0).reset_index()
        n_base = _pooled(c_base, base_cpps).reindex(list(items), fill_value=0).reset_index()
        a = add_item_measures(n_now, confidence=s.confidence)[keep[1:]]
        b = add_item_measures(n_base, confidence=s.confidence)[keep[1:]]
        nat = a.merge(b, on="item", suffixes=("", "_base"))
        nat.insert(0, "scope", scope)
        nat.insert(2, "theme", nat["item"].map(cur.item_theme))
        nat["n_cpps"], nat["n_cpps_base"] = len(now_cpps), len(base_cpps)
        clusters = sorted(set(now_cpps) | set(base_cpps))
        nv1, k1 = _item_matrices(c_now[c_now["cpp"].isin(now_cpps)], clusters, list(items))
        nv0, k0 = _item_matrices(c_base[c_base["cpp"].isin(base_cpps)], clusters, list(items))
        est = [
            cluster_difference(nv1[:, j], k1[:, j], k1[:, j], nv0[:, j], k0[:, j], k0[:, j])
            for j in range(len(items))
        ]
        _add_cluster_columns(nat, est)
        nat["q_value"] = bh_adjust(nat["p_value"].to_numpy())
        nat["significance"] = _verdict(nat, s)
        parts.append(nat)
    nat = pd.concat(parts, ignore_index=True)
    return per_cpp, _sort(nat, [("scope", SCOPES), ("item", items)])


def _item_matrices(counts, cpps, items) -> tuple[np.ndarray, np.ndarray]:
    """(n_valid, n_positive) as CPP x item matrices (rows in ``cpps`` order, 0 if absent)."""
    sub = counts[counts["cpp"].isin(cpps)]
    nv = sub[ITEM_COUNT_COLUMNS[:4]].sum(axis=1)
    k = sub["n_strongly_agree"] + sub["n_agree"]
    frame = pd.DataFrame({"cpp": sub["cpp"].to_numpy(), "item": sub["item"].to_numpy(),
                          "nv": nv.to_numpy(), "k": k.to_numpy()})  # fmt: skip
    if frame.empty:
        zero = np.zeros((len(cpps), len(items)))
        return zero, zero.copy()
    nvm = frame.pivot_table(index="cpp", columns="item", values="nv", aggfunc="sum")
    km = frame.pivot_table(index="cpp", columns="item", values="k", aggfunc="sum")
    nvm = nvm.reindex(index=cpps, columns=items).fillna(0)
    km = km.reindex(index=cpps, columns=items).fillna(0)
    return nvm.to_numpy(dtype=float), km.to_numpy(dtype=float)


def _add_cluster_columns(df: pd.DataFrame, est: list) -> None:
    """diff_pp, its cluster-robust interval, p-value and design effect (percentage points)."""
    df["diff_pp"] = [100 * float(e.estimate) for e in est]
    df["diff_ci_low"] = [100 * float(e.low) for e in est]
    df["diff_ci_high"] = [100 * float(e.high) for e in est]
    df["p_value"] = [float(e.p_value) for e in est]
    df["deff"] = [float(e.deff) for e in est]


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
            if ok and min(len(x), len(y)) >= s.min_valid_statement:
                tested.append(len(rows))
                jobs.append(_change_job(x, y, s, (cur.round, "change", cpp, theme), len(themes)))
            rows.append({"cpp": cpp, "theme": theme, **_change_theme_row(x, y, s)})
    results = _settled_results(jobs, [rows[i]["cpp"] for i in tested], s)
    for i, (res, settled) in zip(tested, results, strict=True):
        rows[i].update(_tested(res, settled))
    per_cpp = pd.DataFrame(rows, columns=["cpp", "theme", *_CHANGE_THEME_COLS])
    per_cpp["permutations"] = per_cpp["permutations"].astype("Int64")
    per_cpp["q_value"] = bh_by_group(per_cpp, by="cpp")
    per_cpp["significance"] = _verdict(per_cpp, s)
    ok = (
        per_cpp["cpp"].isin(pool_cur.reported) & per_cpp["cpp"].isin(pool_base.reported)
    ).to_numpy()
    few_now = per_cpp["n_respondents"].to_numpy() < s.min_valid_statement
    few_base = per_cpp["n_respondents_base"].to_numpy() < s.min_valid_statement
    per_cpp["too_few_valid"] = (few_now | few_base) & ok
    test_cols = ["diff_pp", "diff_ci_low", "diff_ci_high", "p_value", "p_mc_se", "permutations"]
    test_cols += ["mc_settled", "q_value"]
    per_cpp = suppression.blank(per_cpp, (few_now | few_base) & ok, test_cols)
    per_cpp = suppression.blank(per_cpp, few_now & ok, ["score"])
    per_cpp = suppression.blank(per_cpp, few_base & ok, ["score_base"])
    per_cpp["significance"] = np.where((few_now | few_base) & ok, "", per_cpp["significance"])
    per_cpp["suppressed"] = ~ok
    numeric = [c for c in per_cpp.columns if c not in ("cpp", "theme", "suppressed")]
    per_cpp = _sort(suppression.blank(per_cpp, ~ok, numeric), [("cpp", None), ("theme", themes)])

    scopes = change_scopes(pool_cur, pool_base, s, cur.n_by_cpp(), base.n_by_cpp())
    parts = []
    for scope, (now_cpps, base_cpps) in scopes.items():
        clusters = sorted(set(now_cpps) | set(base_cpps))
        a_pool = rt_now[rt_now["cpp"].isin(now_cpps)]
        b_pool = rt_base[rt_base["cpp"].isin(base_cpps)]
        nrows = []
        for theme in themes:
            x = a_pool[a_pool["theme"] == theme]
            y = b_pool[b_pool["theme"] == theme]
            e = cluster_difference(
                *_cluster_sums(x, clusters), *_cluster_sums(y, clusters), confidence=s.confidence
            )
            nrows.append(
                {
                    "scope": scope,
                    "theme": theme,
                    "n_cpps": len(now_cpps),
                    "n_respondents": len(x),
                    "score": 100 * float(x["score"].mean()) if len(x) else np.nan,
                    "n_cpps_base": len(base_cpps),
                    "n_respondents_base": len(y),
                    "score_base": 100 * float(y["score"].mean()) if len(y) else np.nan,
                }
            )
            _add_cluster_columns_row(nrows[-1], e)
        nat = pd.DataFrame(nrows)
        nat["q_value"] = bh_adjust(nat["p_value"].to_numpy())
        nat["significance"] = _verdict(nat, s)
        parts.append(nat)
    nat = pd.concat(parts, ignore_index=True)
    return per_cpp, _sort(nat, [("scope", SCOPES), ("theme", themes)])


def _add_cluster_columns_row(row: dict, e) -> None:
    row["diff_pp"] = 100 * float(e.estimate)
    row["diff_ci_low"] = 100 * float(e.low)
    row["diff_ci_high"] = 100 * float(e.high)
    row["p_value"] = float(e.p_value)
    row["deff"] = float(e.deff)


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
    "mc_settled",
]


def _change_job(x, y, s: Settings, key: tuple[str, ...], family: int) -> PermutationJob:
    """The permutation test of theme scores now (x) vs baseline (y) for one CPP."""
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
                **dict(
                    zip(
                        [
                            "cpp_response_rate_q25",
                            "cpp_response_rate_median",
                            "cpp_response_rate_q75",
                        ],
                        safe_quartiles(rates, s),
                        strict=True,
                    )
                ),
            }
        ]
    )
    both = pd.concat([total, out], ignore_index=True)
    ints = ["n_respondents", "n_cpps_participating", "n_cpps_reported", "n_cpps_pooled"]
    return both.astype({c: "Int64" for c in [*ints, "members_invited"]})


def partner_types(
    data: RoundData, pooling: suppression.CppPooling, s: Settings, *, suppressed_types: set[str]
) -> pd.DataFrame:
    """partner_types.csv: theme scores by partner type nationally, each vs all other types.

    Members are clustered in CPPs: the difference (type minus all other types), its
    interval and p-value are CPP-cluster-robust (:func:`cluster_difference`), and the
    omnibus test across types is a cluster-robust Wald F test (statsmodels).
    """
    rt = data.theme_scores
    rt = rt[rt["cpp"].isin(pooling.pooled)]
    types = sorted(rt["partner_type"].unique())
    clusters = list(pooling.pooled)
    rows = []
    for theme, sub in rt.groupby("theme", observed=True, sort=False):
        if theme not in data.themes:
            continue
        # CPP x type matrices of n, sum and sum of squares: one pass per theme
        g = pd.Categorical(np.asarray(sub["cpp"], dtype=object), categories=clusters).codes
        k = pd.Categorical(np.asarray(sub["partner_type"], dtype=object), categories=types).codes
        y = sub["score"].to_numpy(dtype=float)
        shape = (len(clusters), len(types))
        n = np.zeros(shape)
        sm = np.zeros(shape)
        ss = np.zeros(shape)
        np.add.at(n, (g, k), 1.0)
        np.add.at(sm, (g, k), y)
        np.add.at(ss, (g, k), y * y)
        wald = cluster_wald_equal_means(n, sm)
        tn, tsm, tss = n.sum(axis=1), sm.sum(axis=1), ss.sum(axis=1)
        for j, t in enumerate(types):
            x1 = (n[:, j], sm[:, j], ss[:, j])
            x0 = (tn - n[:, j], tsm - sm[:, j], tss - ss[:, j])
            e = cluster_difference(*x1, *x0, confidence=s.confidence)
            m = cluster_mean(*x1, confidence=s.confidence)
            n1, n0 = int(x1[0].sum()), int(x0[0].sum())
            row = {
                "theme": theme,
                "partner_type": t,
                "n_respondents": n1,
                "score": 100 * x1[1].sum() / n1 if n1 else np.nan,
                "sd": 100 * _sd(x1) if n1 > 1 else np.nan,
                "others_n_respondents": n0,
                "others_score": 100 * x0[1].sum() / n0 if n0 else np.nan,
                "others_sd": 100 * _sd(x0) if n0 > 1 else np.nan,
                "n_cpps_with_type": int((x1[0] > 0).sum()),
                "ci_low": 100 * float(np.clip(m.low, 0, 1)) if n1 > 1 else np.nan,
                "ci_high": 100 * float(np.clip(m.high, 0, 1)) if n1 > 1 else np.nan,
                "omnibus_f": wald.f,
                "omnibus_p_value": wald.p_value,
            }
            _add_cluster_columns_row(row, e)
            rows.append(row)
    cols = ["theme", "partner_type", "n_respondents", "score", "sd", "others_n_respondents"]
    cols += ["others_score", "others_sd", "p_value", "omnibus_f", "omnibus_p_value"]
    cols += ["ci_low", "ci_high", "diff_pp", "diff_ci_low", "diff_ci_high", "deff"]
    cols += ["n_cpps_with_type"]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
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
    first = out.drop_duplicates("theme")[["theme", "omnibus_p_value"]]
    oq = dict(zip(first["theme"], bh_adjust(first["omnibus_p_value"].to_numpy()), strict=True))
    out["omnibus_q_value"] = out["theme"].map(oq)
    out["significance"] = _verdict(out, s)
    numeric = [c for c in out.columns if c not in ("theme", "partner_type")]
    numeric = [c for c in numeric if not c.startswith("omnibus_")]
    out = suppression.blank(out, sup.to_numpy(), numeric)
    return _sort(out, [("theme", data.themes), ("partner_type", None)])


def _sd(sums) -> float:
    """Sample standard deviation from per-cluster (n, sum, sum of squares)."""
    n, sm, ss = (float(np.sum(v)) for v in sums)
    return float(np.sqrt(max(ss - sm * sm / n, 0.0) / (n - 1)))


def safe_quartiles(values, s: Settings) -> list[float]:
    """Quartiles of CPP figures that give back no CPP's figure (disclosure, issue 16).

    Published only when at least ``min_reported_cpps`` CPPs contribute, and rounded
    to the nearest ``QUANTILE_ROUNDING`` (5) points; never the minimum or maximum.
    """
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) < max(s.min_reported_cpps, 1):
        return [np.nan] * 3
    qs = np.quantile(v, [0.25, 0.5, 0.75])
    return [float(QUANTILE_ROUNDING * np.round(q / QUANTILE_ROUNDING)) for q in qs]


def variation_themes(cpp_theme: pd.DataFrame, themes: tuple[str, ...], s: Settings) -> pd.DataFrame:
    """variation_themes.csv: how CPPs spread around the rest of Scotland, per theme, anonymised.

    Counts of CPPs above / below use ONE Benjamini-Hochberg family over every tested
    CPP x theme comparison of the round (not the per-CPP families of the reports),
    with the same rule (q and interval).
    """
    shown = cpp_theme[~cpp_theme["suppressed"].astype(bool)].copy()
    shown["q_all"] = bh_adjust(shown["p_value"].astype(float).to_numpy())
    shown["sig_all"] = direction(
        shown["diff_pp"].astype(float), shown["q_all"], q_threshold=s.q_threshold,
        low=shown["diff_ci_low"].astype(float), high=shown["diff_ci_high"].astype(float),
    )  # fmt: skip
    n_tests = int(shown["p_value"].notna().sum())
    rows = []
    for theme in themes:
        sub = shown[shown["theme"] == theme]
        scores = sub["score"].dropna().astype(float).to_numpy()
        sig = sub["sig_all"].astype(object)
        qs = safe_quartiles(scores, s)
        rows.append(
            {
                "theme": theme,
                "n_cpps": len(sub),
                "n_higher": int((sig == "higher").sum()),
                "n_lower": int((sig == "lower").sum()),
                "n_similar": int((sig == "similar").sum()),
                "n_tests_family": n_tests,
                "score_q25": qs[0],
                "score_median": qs[1],
                "score_q75": qs[2],
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
