"""A small fixture project for the report tests: three CPPs, planted comments, two rounds.

``build_project(root)`` writes a complete temporary project (codebook and
reference data copied from the checkout; round configs; a processed manifest;
and the tables ``cpsa tables`` would write, with the documented columns) so the
report code can be tested without running the analysis. Each CPP's comments
carry a unique planted string, so a leak into another report is detectable.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers import REPO

ROOT = REPO
ROUND = "demo-2030"  # synthetic
REAL_ROUND = "2031"  # not synthetic
BASELINE = "demo-2028"
CPPS = ("angus", "fife", "moray")  # moray is below the minimum number of respondents
SMALL = "moray"
CODEBOOK = "psif-board-v1"
OPTIONS = ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know")


def planted(slug: str) -> str:
    return f"PLANTEDCOMMENT{slug.upper().replace('-', '')}"


def _codebook() -> dict:
    return yaml.safe_load((ROOT / "params/checklist" / f"{CODEBOOK}.yaml").read_text())


def _items_frame(slug: str, rng: np.random.Generator, cb: dict) -> pd.DataFrame:
    rows = []
    for i, st in enumerate(cb["statements"]):
        counts = rng.multinomial(10, [0.25, 0.4, 0.15, 0.05, 0.15])
        n = dict(zip(OPTIONS, (int(c) for c in counts), strict=True))
        n_valid = n["strongly_agree"] + n["agree"] + n["disagree"] + n["strongly_disagree"]
        pos = n["strongly_agree"] + n["agree"]
        pct = 100 * pos / n_valid if n_valid else float("nan")
        rest_valid, rest_pos = 200, int(rng.integers(90, 180))
        rest_pct = 100 * rest_pos / rest_valid
        suppressed = i == 1  # one suppressed statement
        sig = "lower" if i == 2 else ("higher" if i == 3 else "similar")
        dk = 100 * n["dont_know"] / 10
        cat = (
            "suppressed"
            if suppressed
            else "information_gap"
            if dk >= 25
            else "improvement"
            if pct < 60 or sig == "lower"
            else "strength"
            if pct >= 75
            else "neither"
        )
        minority = min(pos, n_valid - pos)
        rows.append(
            {
                "cpp": slug,
                "theme": st["theme"],
                "item": st["id"],
                **{f"n_{k}": v for k, v in n.items()},
                "n_valid": n_valid,
                "n_positive": pos,
                "pct_positive": pct,
                "ci_low": max(0.0, pct - 20),
                "ci_high": min(100.0, pct + 15),
                "pct_dont_know": dk,
                "minority_share": 100 * minority / n_valid if n_valid else float("nan"),
                "divided": bool(n_valid and 3 * minority >= n_valid and minority > 0),
                "rest_n_valid": rest_valid,
                "rest_n_positive": rest_pos,
                "rest_pct_positive": rest_pct,
                "diff": pct - rest_pct,
                "p_value": 0.01 if sig != "similar" else 0.5,
                "q_value": 0.02 if sig != "similar" else 0.6,
                "significance": sig,
                "category": cat,
                "category_rank": 1,
                "suppressed": suppressed,
            }
        )
    df = pd.DataFrame(rows)
    sup = df["suppressed"]
    for col in ("n_strongly_agree", "n_agree", "n_disagree", "n_strongly_disagree"):
        df[col] = df[col].astype("Int64")
        df.loc[sup, col] = pd.NA
    df.loc[sup, ["pct_positive", "ci_low", "ci_high", "n_valid", "n_positive"]] = np.nan
    return df


def _themes_frame(slug: str, items: pd.DataFrame, cb: dict) -> pd.DataFrame:
    rows = []
    for k, th in enumerate(cb["themes"]):
        sub = items[items["theme"] == th["id"]]
        score = float(sub["pct_positive"].mean())
        rest = score - 10 + 5 * k % 20
        rows.append(
            {
                "cpp": slug,
                "theme": th["id"],
                "n_respondents": 10,
                "score": score,
                "ci_low": score - 12,
                "ci_high": min(100, score + 12),
                "rest_score": rest,
                "rest_ci_low": rest - 3,
                "rest_ci_high": rest + 3,
                "diff": score - rest,
                "p_value": 0.01 if k == 0 else 0.4,
                "q_value": 0.03 if k == 0 else 0.5,
                "significance": ("higher" if score > rest else "lower") if k == 0 else "similar",
                "suppressed": False,
            }
        )
    return pd.DataFrame(rows)


def write_round(root: Path, round_: str, *, synthetic: bool, baseline: str | None) -> None:
    p = root / "params" / round_
    p.mkdir(parents=True, exist_ok=True)
    (p / "round.yaml").write_text(
        yaml.safe_dump(
            {
                "round": round_,
                "year": int(round_[-4:]),
                "title": f"Fixture self-assessment {round_}",
                "synthetic": synthetic,
                "export": f"data/demo/{round_}/export.csv",
                "codebook": CODEBOOK,
                "baseline": baseline,
                "cpps": list(CPPS),
                "seed": 1,
            }
        )
    )
    proc = root / "data/processed" / round_
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "manifest.json").write_text(
        json.dumps(
            {"round": round_, "source": f"data/demo/{round_}/export.csv", "sha256": "ab" * 32}
        )
    )


def write_tables(root: Path, round_: str, *, seed: int = 7) -> Path:
    cb = _codebook()
    rng = np.random.default_rng(seed)
    tables = root / "outputs" / round_ / "tables"
    all_items, all_themes = [], []
    for slug in CPPS:
        d = tables / "by_cpp" / slug
        d.mkdir(parents=True, exist_ok=True)
        small = slug == SMALL
        summary = {
            "cpp": slug,
            "round": round_,
            "n_respondents": 3 if small else 10,
            "members_invited": 14,
            "response_rate": (3 if small else 10) / 14 * 100,
            "reportable": not small,
            "min_respondents": 5,
            "partner_types": [
                {"partner_type": "elected_member", "n": None if small else 6},
                {"partner_type": "council_officer", "n": None if small else 4},
            ],
        }
        (d / "summary.json").write_text(json.dumps(summary))
        if small:
            continue
        items = _items_frame(slug, rng, cb)
        themes = _themes_frame(slug, items, cb)
        items.to_csv(d / "items.csv", index=False)
        themes.to_csv(d / "themes.csv", index=False)
        ch = themes[["cpp", "theme"]].copy()
        ch["score"] = themes["score"]
        ch["baseline_score"] = themes["score"] - 8
        ch["diff"] = 8.0
        ch["q_value"] = [0.01] + [0.5] * (len(ch) - 1)
        ch["significance"] = ["higher"] + ["similar"] * (len(ch) - 1)
        ch.to_csv(d / "change_themes.csv", index=False)
        comments = pd.DataFrame(
            [
                {"theme": th["id"], "kind": kind, "text": f"{planted(slug)} {kind} {th['id']}"}
                for th in cb["themes"]
                for kind in ("strengths", "improvements")
            ]
        )
        comments.to_csv(d / "comments.csv", index=False)
        all_items.append(items)
        all_themes.append(themes)
    items = pd.concat(all_items)
    nat = (
        items.groupby(["theme", "item"], sort=False)[["n_valid", "n_positive", "n_dont_know"]]
        .sum()
        .reset_index()
    )
    nat["pct_positive"] = 100 * nat["n_positive"] / nat["n_valid"]
    nat["ci_low"] = nat["pct_positive"] - 5
    nat["ci_high"] = nat["pct_positive"] + 5
    nat["pct_dont_know"] = 100 * nat["n_dont_know"] / 30
    nat.to_csv(tables / "national_items.csv", index=False)
    themes = pd.concat(all_themes)
    nt = themes.groupby("theme", sort=False)["score"].mean().reset_index()
    nt["ci_low"], nt["ci_high"], nt["n_respondents"] = nt["score"] - 4, nt["score"] + 4, 23
    nt.to_csv(tables / "national_themes.csv", index=False)
    themes.to_csv(tables / "cpp_themes.csv", index=False)
    pt = nt[["theme", "score"]].merge(
        pd.DataFrame(
            {"partner_type": ["elected_member", "council_officer"], "n_respondents": [12, 11]}
        ),
        how="cross",
    )
    pt.to_csv(tables / "partner_types.csv", index=False)
    ch = nt[["theme"]].copy()
    ch["score"], ch["baseline_score"], ch["diff"] = nt["score"], nt["score"] - 3, 3.0
    ch["q_value"], ch["significance"] = 0.5, "similar"
    ch.to_csv(tables / "national_change_themes.csv", index=False)
    # as `cpsa tables` writes it: one "all" row, then one row per partner type
    respondents, invited = np.array([10, 10, 3]), np.array([14, 14, 14])
    rates = 100 * respondents / invited
    q25, median, q75 = np.percentile(rates, [25, 50, 75])
    all_row = {
        "group": "all",
        "n_respondents": int(respondents.sum()),
        "pct_of_respondents": 100.0,
        "suppressed": False,
        "n_cpps_participating": len(CPPS),
        "n_cpps_reported": len(CPPS) - 1,
        "n_cpps_pooled": len(CPPS),
        "members_invited": int(invited.sum()),
        "response_rate": 100 * respondents.sum() / invited.sum(),
        "cpp_response_rate_q25": q25,
        "cpp_response_rate_median": median,
        "cpp_response_rate_q75": q75,
    }
    by_type = [
        {"group": g, "n_respondents": n, "pct_of_respondents": 100 * n / 23, "suppressed": False}
        for g, n in (("elected_member", 12), ("council_officer", 11))
    ]
    pd.DataFrame([all_row, *by_type]).to_csv(tables / "participation.csv", index=False)
    pd.DataFrame(
        [
            {"theme": th["id"], "kind": k, "n_comments": 2}
            for th in cb["themes"]
            for k in ("strengths", "improvements")
        ]
    ).to_csv(tables / "comment_counts.csv", index=False)
    return tables


def build_project(root: Path) -> Path:
    """A complete fixture project under ``root``; returns ``root``."""
    (root / "params/checklist").mkdir(parents=True)
    shutil.copy(ROOT / "params/checklist" / f"{CODEBOOK}.yaml", root / "params/checklist")
    shutil.copytree(ROOT / "data/reference", root / "data/reference")
    write_round(root, ROUND, synthetic=True, baseline=BASELINE)
    write_round(root, REAL_ROUND, synthetic=False, baseline=None)
    write_tables(root, ROUND)
    write_tables(root, REAL_ROUND, seed=8)
    return root
