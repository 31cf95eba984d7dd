"""Where a board stands among the boards: ``by_cpp/<slug>/benchmark.csv``.

For each theme, the board's theme score is placed among the other reported
boards of the round (which quarter it falls in), and the 95% interval of the
board's score is placed the same way, so the report can say how sure that
position is: a board of ten members whose interval spans three quarters is not
"in the bottom quarter", it is "probably in the lower half".

Optionally, a round config's ``comparison_groups`` (similar partnerships, for
example by deprivation and rurality) give a second comparison: the group's
other members pooled, as the rest of Scotland is pooled. No other board is ever
named and nothing is published that could single one out:

- the position among all boards needs at least ``thresholds.min_reported_cpps``
  other reported boards (else the row says so and carries no quartiles);
- a comparison group is used only if its other reported members number at
  least ``min_reported_cpps`` AND the reported boards outside it number either
  zero or at least ``min_reported_cpps`` (otherwise "rest of Scotland" minus the
  group would reveal the few boards outside it);
- only pooled figures and quartile cut points are written, never a board's score.

Columns (one row per comparison x theme, themes in codebook order):

=====================  =======  ====  ==========================================================
column                 dtype    unit  meaning
=====================  =======  ====  ==========================================================
theme                  str            theme id from the codebook
comparison             str            ``all boards`` or the comparison group's name
n_boards               int64          reported boards compared with (this board excluded)
shown                  bool           false where too few boards to compare (figures blank)
score                  float    %     this board's theme score
ci_low, ci_high        float    %     its 95% interval
boards_q25             float    %     25th percentile of the other boards' scores, to 5 points
boards_median          float    %     median of the other boards' scores, to 5 points
boards_q75             float    %     75th percentile of the other boards' scores, to 5 points
percentile             float    %     share of the other boards scoring below this board
                                      (ties count half)
percentile_low         float    %     the same for the low end of the board's interval
percentile_high        float    %     the same for the high end of the board's interval
quarter                Int64          1 = top quarter of boards ... 4 = bottom quarter
quarter_best           Int64          best quarter consistent with the interval
quarter_worst          Int64          worst quarter consistent with the interval
group_score            float    %     group's other members pooled (comparison groups only)
group_n_respondents    Int64          respondents behind group_score
diff_pp                float    pp    score - group_score
diff_ci_low            float    pp    95% Welch interval of diff_pp
diff_ci_high           float    pp
significance           str            higher / lower / similar (interval excludes 0 or not)
=====================  =======  ====  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cpsa.tables.compute import QUANTILE_ROUNDING

ALL = "all boards"
FILE = "benchmark.csv"
COLUMNS = (
    "theme",
    "comparison",
    "n_boards",
    "shown",
    "score",
    "ci_low",
    "ci_high",
    "boards_q25",
    "boards_median",
    "boards_q75",
    "percentile",
    "percentile_low",
    "percentile_high",
    "quarter",
    "quarter_best",
    "quarter_worst",
    "group_score",
    "group_n_respondents",
    "diff_pp",
    "diff_ci_low",
    "diff_ci_high",
    "significance",
)
QUARTER_NAMES = {1: "top quarter", 2: "second quarter", 3: "third quarter", 4: "bottom quarter"}


def percentile_among(value: float, others: np.ndarray) -> float:
    """Share (%) of ``others`` below ``value``, ties counting half (mid-rank)."""
    if np.isnan(value) or len(others) == 0:
        return float("nan")
    below = float(np.sum(others < value))
    ties = float(np.sum(others == value))
    return 100.0 * (below + ties / 2) / len(others)


def quarter_of(percentile: float) -> int | None:
    """1 (top quarter: at or above the 75th percentile of boards) ... 4 (bottom)."""
    if np.isnan(percentile):
        return None
    if percentile >= 75:
        return 1
    if percentile >= 50:
        return 2
    if percentile >= 25:
        return 3
    return 4


def _empty_row(theme: str, comparison: str, n: int, own: pd.Series | None) -> dict:
    row: dict = dict.fromkeys(COLUMNS, np.nan)
    row.update({"theme": theme, "comparison": comparison, "n_boards": n, "shown": False})
    row["significance"] = ""
    if own is not None:
        row.update({k: float(own[k]) for k in ("score", "ci_low", "ci_high")})
    return row


def _pooled(sub: pd.DataFrame) -> tuple[float, float, int]:
    """Mean, SD and n of the respondents of several boards, from each board's mean/SD/n."""
    n = sub["n_respondents"].astype(float).to_numpy()
    m = sub["score"].astype(float).to_numpy()
    sd = sub["sd"].astype(float).fillna(0.0).to_numpy() if "sd" in sub else np.zeros(len(sub))
    total = n.sum()
    if total <= 0:
        return float("nan"), float("nan"), 0
    mean = float((n * m).sum() / total)
    if total <= 1:
        return mean, float("nan"), int(total)
    ss = ((n - 1) * sd**2).sum() + (n * (m - mean) ** 2).sum()
    return mean, float(np.sqrt(ss / (total - 1))), int(total)


def _welch(m1, s1, n1, m2, s2, n2, confidence: float = 0.95) -> tuple[float, float]:
    from scipy import stats

    if min(n1, n2) < 2 or any(np.isnan(v) for v in (m1, s1, m2, s2)):
        return float("nan"), float("nan")
    v1, v2 = s1**2 / n1, s2**2 / n2
    se = np.sqrt(v1 + v2)
    if se == 0:
        return float(m1 - m2), float(m1 - m2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    t = stats.t.ppf(0.5 + confidence / 2, df)
    return float(m1 - m2 - t * se), float(m1 - m2 + t * se)


def cpp_benchmark(
    cpp_themes: pd.DataFrame,
    cpp: str,
    *,
    themes: Sequence[str],
    groups: Sequence[tuple[str, Sequence[str]]] = (),
    min_reported_cpps: int = 5,
) -> pd.DataFrame:
    """The benchmark table of ``cpp`` from the round's ``cpp_themes`` (all boards).

    ``groups`` are ``(name, member slugs)``; only groups that contain ``cpp`` and
    pass the size rules in the module docstring give rows. A board that is not
    reported gets a table with its header only.
    """
    shown = cpp_themes[~cpp_themes["suppressed"].astype(bool) & cpp_themes["score"].notna()]
    reported = sorted(set(shown["cpp"]))
    if cpp not in reported:
        return _frame([])
    rows = []
    for theme in themes:
        sub = shown[shown["theme"] == theme]
        own_rows = sub[sub["cpp"] == cpp]
        if own_rows.empty:
            continue
        own = own_rows.iloc[0]
        others = sub[sub["cpp"] != cpp]
        scores = others["score"].astype(float).to_numpy()
        if len(scores) < min_reported_cpps:
            rows.append(_empty_row(theme, ALL, len(scores), own))
        else:
            row = _empty_row(theme, ALL, len(scores), own)
            # rounded like variation_themes: with few boards an exact median is one board's score
            q25, med, q75 = (
                float(QUANTILE_ROUNDING * np.round(q / QUANTILE_ROUNDING))
                for q in np.quantile(scores, [0.25, 0.5, 0.75])
            )
            pcts = [percentile_among(float(own[k]), scores) for k in ("score", "ci_low", "ci_high")]
            row.update(
                {
                    "shown": True,
                    "boards_q25": float(q25),
                    "boards_median": float(med),
                    "boards_q75": float(q75),
                    "percentile": pcts[0],
                    "percentile_low": pcts[1],
                    "percentile_high": pcts[2],
                    "quarter": quarter_of(pcts[0]),
                    "quarter_best": quarter_of(pcts[2]),
                    "quarter_worst": quarter_of(pcts[1]),
                }
            )
            rows.append(row)
        for name, members in groups:
            if cpp not in members:
                continue
            inside = others[others["cpp"].isin(members)]
            outside = len(others) - len(inside)
            if len(inside) < min_reported_cpps or 0 < outside < min_reported_cpps:
                rows.append(_empty_row(theme, name, len(inside), own))
                continue
            g_mean, g_sd, g_n = _pooled(inside)
            sd_own = float(own["sd"]) if "sd" in own and pd.notna(own["sd"]) else float("nan")
            lo, hi = _welch(
                float(own["score"]), sd_own, int(own["n_respondents"]), g_mean, g_sd, g_n
            )
            row = _empty_row(theme, name, len(inside), own)
            diff = float(own["score"]) - g_mean
            sig = "" if np.isnan(lo) else "higher" if lo > 0 else "lower" if hi < 0 else "similar"
            row.update(
                {
                    "shown": True,
                    "group_score": g_mean,
                    "group_n_respondents": g_n,
                    "diff_pp": diff,
                    "diff_ci_low": lo,
                    "diff_ci_high": hi,
                    "significance": sig,
                }
            )
            rows.append(row)
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["n_boards"] = df["n_boards"].astype("int64")
    df["shown"] = df["shown"].astype(bool)
    for c in ("quarter", "quarter_best", "quarter_worst", "group_n_respondents"):
        df[c] = pd.array(
            [None if v is None or pd.isna(v) else int(v) for v in df[c]], dtype="Int64"
        )
    for c in COLUMNS:
        if (
            c not in ("theme", "comparison", "significance", "n_boards", "shown")
            and df[c].dtype == object
        ):
            df[c] = df[c].astype(float)
    df["theme"] = df["theme"].astype(object)
    df["comparison"] = df["comparison"].astype(object)
    sig = df["significance"].astype(object)
    df["significance"] = sig.where(sig.notna(), "")
    return df


def round_benchmarks(
    cpp_themes: pd.DataFrame, cfg, themes: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Every participating board's benchmark table (``cfg`` is the round's RoundConfig)."""
    groups = [(g.name, tuple(g.cpps)) for g in getattr(cfg, "comparison_groups", ())]
    minimum = cfg.thresholds.min_reported_cpps
    return {
        cpp: cpp_benchmark(cpp_themes, cpp, themes=themes, groups=groups, min_reported_cpps=minimum)
        for cpp in cfg.cpps
    }


def add_to_bundles(result, cfg, codebook_themes: Sequence[str]) -> None:
    """Put each board's benchmark table into its bundle (``by_cpp/<slug>/benchmark.csv``).

    The tables step calls this before the schema check, so benchmark.csv is checked
    and written like every other bundle file.
    """
    from cpsa.stats import suppression

    tables = round_benchmarks(result.national["cpp_themes"], cfg, codebook_themes)
    for cpp, bundle in result.bundles.items():
        frame = tables[cpp]
        suppression.check_publishable(frame, name=f"by_cpp/{cpp}/benchmark")
        bundle["benchmark"] = frame


def load(directory: Path | str) -> pd.DataFrame | None:
    """A CPP's ``benchmark.csv`` (None if the tables predate it)."""
    from cpsa.tables import schema

    path = Path(directory) / FILE
    if not path.is_file():
        return None
    df = schema.read_csv(path, "by_cpp/benchmark")
    sig = df["significance"].astype(object)
    df["significance"] = sig.where(sig.notna(), "").astype(str)
    return df
