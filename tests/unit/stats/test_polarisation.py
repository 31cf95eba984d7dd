"""The polarisation test (members at both ends vs any unimodal board of the same size)."""

import itertools

import numpy as np
import pytest
from scipy.special import gammaln

from cpsa.stats.polarisation import polarisation_p, polarisation_p_one


def _brute_sup(n, t, step=0.025):
    """P(min(#SA, #SD) >= t) maximised over a grid of unimodal 4-category boards."""
    comps = np.array(
        [(a, b, c, n - a - b - c) for a in range(n + 1) for b in range(n + 1 - a)
         for c in range(n + 1 - a - b)]
    )  # fmt: skip
    logm = gammaln(n + 1) - gammaln(comps + 1).sum(axis=1)
    hit = np.minimum(comps[:, 0], comps[:, 3]) >= t
    best = 0.0
    grid = np.arange(0, 1 + 1e-9, step)
    for p1, p2, p3 in itertools.product(grid, grid, grid):
        p4 = 1 - p1 - p2 - p3
        if p4 < -1e-9:
            continue
        p = np.array([p1, p2, p3, max(p4, 0.0)])
        k = int(np.argmax(p))
        if not (np.all(np.diff(p[: k + 1]) >= -1e-12) and np.all(np.diff(p[k:]) <= 1e-12)):
            continue
        with np.errstate(divide="ignore"):
            lp = logm + (comps * np.log(np.where(p > 0, p, 1e-300))).sum(axis=1)
        best = max(best, float(np.exp(lp[hit]).sum()))
    return best


@pytest.mark.parametrize(("n", "t"), [(8, 2), (8, 3), (8, 4), (10, 5)])
def test_supremum_matches_brute_force_over_unimodal_boards(n, t):
    got = polarisation_p_one(n, t)
    ref = _brute_sup(n, t)
    assert ref <= got + 1e-12  # never below any unimodal board's probability
    assert got == pytest.approx(ref, rel=0.03)  # and the grid's maximum is close to it


def test_worked_example():
    # 5 of 10 strongly agree and 5 strongly disagree: at most 0.10% for any unimodal board
    assert polarisation_p_one(10, 5) == pytest.approx(0.0010127, abs=1e-6)
    assert polarisation_p_one(10, 0) == 1.0 and polarisation_p_one(10, 6) == 0.0


def _unimodal_boards(rng, n_boards):
    """Random unimodal answer probabilities (sorted up to a random peak), incl. near uniform."""
    out = []
    for _ in range(n_boards):
        p = rng.dirichlet(np.ones(4))
        k = rng.integers(0, 4)
        left, right = np.sort(p[: k + 1]), np.sort(p[k + 1 :])[::-1]
        q = np.concatenate([left, right])
        if not (np.argmax(q) <= k):
            q = np.sort(p)
        out.append(q / q.sum())
    return out


def test_fires_on_at_most_5pct_of_unimodal_boards():
    """Issue 12.4: seeded simulation of unimodal boards of 6-14 members."""
    rng = np.random.default_rng(2026)
    fired = total = 0
    for p in [*_unimodal_boards(rng, 400), *[np.full(4, 0.25)] * 100]:
        for n in (6, 8, 10, 12, 14):
            x = rng.multinomial(n, p, size=20)
            fired += int((polarisation_p(x[:, 3], x[:, 0], n) < 0.05).sum())
            total += 20
    assert fired / total <= 0.05


def test_old_divided_rule_fired_on_noise_and_the_new_test_does_not():
    rng = np.random.default_rng(4)
    x = rng.multinomial(10, [0.1, 0.2, 0.45, 0.25], size=5000)  # a unimodal, mostly positive board
    minority = np.minimum(x[:, 0] + x[:, 1], x[:, 2] + x[:, 3])
    assert (3 * minority >= 10).mean() > 0.15  # "divided" under the old rule
    assert (polarisation_p(x[:, 3], x[:, 0], 10) < 0.05).mean() < 0.01


def test_fires_on_a_split_board():
    rng = np.random.default_rng(5)
    # half the members strongly agree, half strongly disagree (a few soften)
    x = rng.multinomial(6, [0.9, 0.1, 0, 0], size=200) + rng.multinomial(
        6, [0, 0, 0.1, 0.9], size=200
    )
    assert (polarisation_p(x[:, 3], x[:, 0], 12) < 0.05).mean() > 0.5
