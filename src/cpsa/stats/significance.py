"""Hypothesis tests: Fisher's exact test, permutation tests, partner-type tests, and the rule.

* :func:`fisher_two_sided` - Fisher's exact test for many 2x2 tables at once (same
  two-sided definition as ``scipy.stats.fisher_exact``, computed from the
  hypergeometric log-pmf so a round's 3,000 tables take milliseconds).
* :func:`permutation_test` - two independent samples, seeded Monte Carlo
  permutation test of the **studentized** difference in means (the Welch t
  statistic; Janssen 1997, Chung & Romano 2013), which stays valid when the two
  groups have unequal variances and very unequal sizes (a board of 10 against
  230). ``statistic="mean"`` gives the plain difference in means (exact only
  under exchangeability). Permutations are drawn as multivariate hypergeometric
  counts of the distinct values, which has exactly the distribution of the
  group's (sum, sum of squares) under random relabelling but costs O(distinct
  values) instead of O(n) per permutation.
* :func:`settle_family` - draws more permutations for the tests of a BH family
  whose verdict the Monte Carlo error could still change.
* :func:`direction` - THE rule for "significantly higher / lower", used by every table.
"""

from __future__ import annotations

import multiprocessing
import os
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats
from scipy.special import gammaln

# The quantile function behind ``stats.beta.ppf`` (scipy 1.17: ``beta_gen._ppf``), called
# directly: the frozen-distribution wrapper costs ~1 ms of argument checking per call and
# the stopping rule calls it after every batch of every test (thousands of times a round).
# For 0 < q < 1 and a, b > 0, as here, the two return the same float.
from scipy.special._ufuncs import _beta_ppf

HIGHER, LOWER, SIMILAR, NOT_TESTED = "higher", "lower", "similar", ""

_BATCH = 1000
_STOP_CONFIDENCE = 0.999  # of the interval that must clear a stopping bound

# scipy.stats.fisher_exact's tolerance for "as or less likely than observed"
_FISHER_RTOL = 1 + 1e-7


def direction(diff, q, *, q_threshold: float, low=None, high=None) -> np.ndarray:
    """The significance rule: "higher"/"lower" when q < q_threshold, else "similar".

    ``diff`` is the estimate (group minus comparison), ``q`` its BH-adjusted p-value,
    ``low``/``high`` (optional) the 95% interval of ``diff``. With an interval, a
    verdict needs both: "higher" also needs low > 0 and "lower" high < 0, so a
    verdict never sits beside an interval that includes 0 (the test and the
    interval are different procedures and can disagree near the threshold; the
    more cautious one wins). Untested comparisons (q missing) get "" so a report
    never shows a verdict for them.
    """
    diff = np.asarray(diff, dtype=float)
    q = np.asarray(q, dtype=float)
    sig = q < q_threshold
    up = sig & (diff > 0)
    down = sig & (diff < 0)
    if low is not None and high is not None:
        low = np.asarray(low, dtype=float)
        high = np.asarray(high, dtype=float)
        up &= low > 0
        down &= high < 0
    out = np.where(up, HIGHER, np.where(down, LOWER, SIMILAR))
    return np.where(np.isnan(q) | np.isnan(diff), NOT_TESTED, out).astype(object)


def _lchoose(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


@lru_cache(maxsize=65536)
def _fisher_one(a: int, b: int, c: int, d: int) -> float:
    r1, c1, n = a + b, a + c, a + b + c + d
    lo, hi = max(0, r1 - (n - c1)), min(r1, c1)
    x = np.arange(lo, hi + 1)
    logp = _lchoose(c1, x) + _lchoose(n - c1, r1 - x) - _lchoose(n, r1)
    obs = logp[a - lo]
    p = np.exp(logp[logp <= obs + np.log(_FISHER_RTOL)]).sum()
    return float(min(1.0, p))


def fisher_two_sided(k1, n1, k2, n2) -> np.ndarray:
    """Two-sided Fisher exact p for (k1 of n1) vs (k2 of n2) positive; NaN if a group is empty.

    Two-sided p = sum of the probabilities of all tables with the same margins that
    are no more likely than the observed one (the scipy / R definition).
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=np.int64) for v in (k1, n1, k2, n2))
    if np.any((k1 < 0) | (k1 > n1) | (k2 < 0) | (k2 > n2)):
        raise ValueError("fisher_two_sided: counts must satisfy 0 <= k <= n")
    out = np.full(k1.shape, np.nan)
    flat = out.reshape(-1)
    for i, (a, na, c, nc) in enumerate(
        zip(k1.reshape(-1), n1.reshape(-1), k2.reshape(-1), n2.reshape(-1), strict=True)
    ):
        if na > 0 and nc > 0:
            flat[i] = _fisher_one(int(a), int(na - a), int(c), int(nc - c))
    return out


def rng_for(seed: int, *key: str) -> np.random.Generator:
    """A generator for one named test: same seed + key -> same stream, independent of order."""
    digest = zlib.crc32("|".join(key).encode("utf-8"))
    return np.random.default_rng([int(seed), digest])


@dataclass(frozen=True)
class PermutationResult:
    """Two-sample permutation test of a difference in means (x minus y)."""

    diff: float  # mean(x) - mean(y)
    p_value: float  # (b + 1) / (m + 1), b = permutations with |statistic| >= observed
    mc_se: float  # Monte Carlo standard error of p_value
    permutations: int
    exceed: int = 0  # b


def permutation_test(
    x,
    y,
    *,
    permutations: int,
    rng: np.random.Generator,
    stop_above: float | None = None,
    stop_below: float | None = None,
    statistic: str = "welch",
) -> PermutationResult:
    """Seeded two-sided permutation test of mean(x) - mean(y); NaN when a sample is empty.

    p = (b + 1) / (m + 1), where b of m random relabellings give an absolute
    statistic at least as large as observed (never 0; Phipson & Smyth 2010).
    ``statistic``: "welch" (default; the Welch t statistic, NaN p when a group has
    fewer than 2 values) or "mean" (the plain difference in means).
    ``stop_above`` / ``stop_below``: see :func:`permutation_test_counts`.
    """
    values, counts_x, counts_y = sample_counts(x, y)
    return permutation_test_counts(
        values,
        counts_x,
        counts_y,
        permutations=permutations,
        rng=rng,
        stop_above=stop_above,
        stop_below=stop_below,
        statistic=statistic,
    )


def permutation_test_counts(
    values,
    counts_x,
    counts_y,
    *,
    permutations: int,
    rng: np.random.Generator,
    stop_above: float | None = None,
    stop_below: float | None = None,
    statistic: str = "welch",
) -> PermutationResult:
    """:func:`permutation_test` from value counts: ``counts_x[i]`` of sample x equal ``values[i]``.

    Lets a caller test one CPP against the rest for every CPP without rebuilding
    the pooled sample each time (rest counts = pool counts - CPP counts).

    Early stopping (both optional): permutations are drawn in batches of 1,000;
    after a batch, drawing stops when the 99.9% Clopper-Pearson interval of the
    exceedance probability lies wholly above ``stop_above`` (the significance
    threshold: the test cannot be significant, and under Benjamini-Hochberg a
    p-value above the threshold never makes another test significant) or wholly
    below ``stop_below`` (the threshold divided by the number of tests in the
    family: the test is significant under BH whatever the other p-values). The
    verdict is then settled; the result's ``permutations`` is the number drawn.
    """
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    if statistic not in ("welch", "mean"):
        raise ValueError(f"statistic must be 'welch' or 'mean', got {statistic!r}")
    values = np.asarray(values, dtype=float)
    cx = np.asarray(counts_x, dtype=np.int64)
    cy = np.asarray(counts_y, dtype=np.int64)
    nx, ny = int(cx.sum()), int(cy.sum())
    if nx == 0 or ny == 0 or (statistic == "welch" and (nx < 2 or ny < 2)):
        return PermutationResult(np.nan, np.nan, np.nan, permutations)
    counts = cx + cy
    keep = counts > 0
    values, counts, cx = values[keep], counts[keep], cx[keep]
    total = counts @ values
    total2 = counts @ values**2
    # the same arithmetic path for observed and permuted statistics, so ties compare equal
    sx_obs = cx @ values
    diff = sx_obs / nx - (total - sx_obs) / ny
    if len(values) == 1:
        return PermutationResult(0.0, 1.0, 0.0, permutations)
    stat = _welch_stat if statistic == "welch" else _mean_stat
    obs = stat(np.array([sx_obs]), np.array([cx @ values**2]), total, total2, nx, ny)[0]
    tol = 1e-9 * max(1.0, abs(obs)) if np.isfinite(obs) else 0.0
    b = done = 0
    while done < permutations:
        size = min(_BATCH, permutations - done)
        sx, sx2 = _permuted_sums(values, counts, nx, size, rng)
        perm = stat(sx, sx2, total, total2, nx, ny)
        b += int(np.count_nonzero(np.abs(perm) >= abs(obs) - tol))
        done += size
        if done < permutations and _settled(b, done, stop_above, stop_below):
            break
    p = (b + 1) / (done + 1)
    se = float(np.sqrt(p * (1 - p) / done))
    return PermutationResult(float(diff), float(p), se, done, b)


def _mean_stat(sx, sx2, total, total2, nx, ny):
    return sx / nx - (total - sx) / ny


def _welch_stat(sx, sx2, total, total2, nx, ny):
    """Welch t of x minus y from x's sum and sum of squares (the pool's are fixed)."""
    sy, sy2 = total - sx, total2 - sx2
    mx, my = sx / nx, sy / ny
    vx = np.maximum(sx2 - nx * mx**2, 0.0) / (nx - 1)
    vy = np.maximum(sy2 - ny * my**2, 0.0) / (ny - 1)
    se = np.sqrt(vx / nx + vy / ny)
    d = mx - my
    # rounding noise must not turn "no spread" into a huge t: relative floor on se
    tiny = 1e-12 * np.maximum(1.0, np.abs(mx) + np.abs(my))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > tiny, d / np.where(se > tiny, se, 1.0), np.sign(d) * np.inf)
    return np.where(np.abs(d) <= tiny, 0.0, t)


@dataclass(frozen=True)
class PermutationJob:
    """One :func:`permutation_test_counts` call, with its generator named by seed + key."""

    values: np.ndarray
    counts_x: np.ndarray
    counts_y: np.ndarray
    seed: int
    key: tuple[str, ...]
    permutations: int
    stop_above: float | None = None
    stop_below: float | None = None
    statistic: str = "welch"


def sample_counts(x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct values, counts in x, counts in y): the counts form of two samples."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    values, inverse = np.unique(np.concatenate([x, y]), return_inverse=True)
    counts_x = np.bincount(inverse[: len(x)], minlength=len(values))
    counts_y = np.bincount(inverse[len(x) :], minlength=len(values))
    return values, counts_x, counts_y


# below this many tests (or, for a few long tests such as the settling draws, this many
# permutations in all) the pool's start-up costs more than it saves
_PARALLEL_MIN_JOBS = 64
_PARALLEL_MIN_DRAWS = 100_000


def run_permutation_jobs(jobs: list[PermutationJob]) -> list[PermutationResult]:
    """Results of many permutation tests, in order; on several cores, in forked workers.

    Every test draws from its own generator (``rng_for(seed, *key)``), so a result
    does not depend on which process runs it or in what order: the p-values are
    the same as one by one. A large round has ~600 of these tests, ~2-3 s of CPU.
    """
    workers = min(len(os.sched_getaffinity(0)), 4) if hasattr(os, "sched_getaffinity") else 1
    draws = sum(j.permutations for j in jobs)
    few = len(jobs) < _PARALLEL_MIN_JOBS and (len(jobs) < 2 or draws < _PARALLEL_MIN_DRAWS)
    if workers < 2 or few or os.name != "posix":
        return [_run_job(j) for j in jobs]
    # fork: the workers inherit the imports and the job data instead of re-importing
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_run_job, jobs, chunksize=max(1, len(jobs) // (8 * workers)))


def _run_job(job: PermutationJob) -> PermutationResult:
    return permutation_test_counts(
        job.values,
        job.counts_x,
        job.counts_y,
        permutations=job.permutations,
        rng=rng_for(job.seed, *job.key),
        stop_above=job.stop_above,
        stop_below=job.stop_below,
        statistic=job.statistic,
    )


def _settled(b: int, m: int, above: float | None, below: float | None) -> bool:
    """True when the 99.9% Clopper-Pearson interval of b/m clears a stopping bound."""
    alpha = 1 - _STOP_CONFIDENCE
    if above is not None and b > 0 and _beta_ppf(alpha / 2, b, m - b + 1) > above:
        return True
    if below is not None and b < m and _beta_ppf(1 - alpha / 2, b + 1, m - b) < below:
        return True
    return False


def _permuted_sums(values, counts, nx: int, m: int, rng: np.random.Generator):
    """(sum, sum of squares) of x under m random relabellings (hypergeometric value counts)."""
    n = int(counts.sum())
    small = min(nx, n - nx)  # draw the smaller sample; the other is the complement
    # numpy's "count" method costs O(sample size), "marginals" O(distinct values)
    method = "count" if small < 5 * len(values) else "marginals"
    draws = rng.multivariate_hypergeometric(counts, small, size=m, method=method)
    sums, sums2 = draws @ values, draws @ values**2
    if small == nx:
        return sums, sums2
    return counts @ values - sums, counts @ values**2 - sums2


@dataclass(frozen=True)
class OmnibusResult:
    """Kruskal-Wallis H test across several groups."""

    statistic: float
    p_value: float
    groups: int


def kruskal_wallis(groups: list[np.ndarray]) -> OmnibusResult:
    """Kruskal-Wallis across the non-empty groups; NaN when fewer than two or no variation."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g) > 0]
    if len(groups) < 2 or np.unique(np.concatenate(groups)).size < 2:
        return OmnibusResult(np.nan, np.nan, len(groups))
    res = stats.kruskal(*groups)
    return OmnibusResult(float(res.statistic), float(res.pvalue), len(groups))


def mann_whitney(x, y) -> float:
    """Two-sided Mann-Whitney U p-value (asymptotic, tie-corrected); 1 when no variation."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) == 0 or len(y) == 0:
        return np.nan
    if np.unique(np.concatenate([x, y])).size < 2:
        return 1.0
    return float(stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue)


# --------------------------------------------------------------------------- settling a BH family


def _mc_bounds(b: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """99.9% Clopper-Pearson bounds of each exceedance probability b/m."""
    alpha = 1 - _STOP_CONFIDENCE
    b, m = np.asarray(b, dtype=float), np.asarray(m, dtype=float)
    # ufunc calls with the degenerate ends replaced by valid arguments, then overwritten
    lo = np.where(b > 0, _beta_ppf(alpha / 2, np.maximum(b, 1), m - b + 1), 0.0)
    hi = np.where(b < m, _beta_ppf(1 - alpha / 2, b + 1, np.maximum(m - b, 1)), 1.0)
    return lo, hi


def _bh_reject(p: np.ndarray, q_threshold: float) -> np.ndarray:
    from cpsa.stats.multiplicity import bh_adjust

    return bh_adjust(p) < q_threshold


def settle_family(
    jobs: list[PermutationJob],
    results: list[PermutationResult],
    *,
    families: list,
    q_threshold: float,
    max_permutations: int,
) -> tuple[list[PermutationResult], list[bool]]:
    """Draw more permutations until no Monte Carlo error can change a BH verdict.

    ``families[i]`` names the BH family of test i (e.g. the CPP). For each family,
    with every p-value at the lower and then at the upper 99.9% Clopper-Pearson
    bound of its exceedance probability, BH rejects sets R_low ⊇ R_high (BH is
    monotone in the p-values). When they are equal, every p-vector inside the
    bounds gives the same verdicts: the family is settled. Otherwise the tests
    whose bounds straddle one of BH's critical values k·α/m get as many new
    permutations again (a fresh stream named by the test's key + "more" + round),
    until the family is settled or a test reaches ``max_permutations``.
    Returns the updated results and, per test, whether its family is settled.
    """
    res = list(results)
    fam = np.asarray([str(f) for f in families], dtype=object)
    settled = np.ones(len(res), dtype=bool)
    # Families are independent (each draws from its own tests' streams), so they are
    # settled side by side: round r's extra draws of every family still in doubt run
    # as one batch (spread over the cores), which gives the same draws as one family
    # after another.
    open_: dict[str, np.ndarray] = {}
    for f in sorted(set(fam)):
        idx = np.flatnonzero(fam == f)
        idx = np.array([i for i in idx if np.isfinite(res[i].p_value) and res[i].permutations > 0])
        if len(idx):
            open_[f] = idx
    for round_no in range(64):
        batch: list[tuple[int, PermutationJob]] = []  # (test index, its extra draws)
        for f, idx in list(open_.items()):
            b = np.array([res[i].exceed for i in idx])
            m = np.array([res[i].permutations for i in idx])
            lo, hi = _mc_bounds(b, m)
            r_lo, r_hi = _bh_reject(lo, q_threshold), _bh_reject(hi, q_threshold)
            if np.array_equal(r_lo, r_hi):
                del open_[f]
                continue
            crit = q_threshold * np.arange(1, len(idx) + 1) / len(idx)
            straddle = [
                k
                for k in range(len(idx))
                if np.any((lo[k] <= crit) & (crit <= hi[k])) and m[k] < max_permutations
            ]
            if not straddle:
                settled[idx] = False
                del open_[f]
                continue
            for k in straddle:
                j = jobs[idx[k]]
                extra = int(min(m[k], max_permutations - m[k]))
                more = PermutationJob(
                    j.values, j.counts_x, j.counts_y, seed=j.seed,
                    key=(*j.key, "more", str(round_no)), permutations=extra,
                    statistic=j.statistic,
                )  # fmt: skip
                batch.append((int(idx[k]), more))
        if not batch:
            break
        added = run_permutation_jobs([job for _, job in batch])
        for (i, _), add in zip(batch, added, strict=True):
            old = res[i]
            bb, mm = old.exceed + add.exceed, old.permutations + add.permutations
            p = (bb + 1) / (mm + 1)
            res[i] = PermutationResult(old.diff, float(p), float(np.sqrt(p * (1 - p) / mm)), mm, bb)
    return res, settled.tolist()
