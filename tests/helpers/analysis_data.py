"""Small synthetic inputs for the analysis tests (processed-data schema, built by hand).

``build_responses`` turns a readable spec into a ``responses`` frame; ``round_data``
wraps it as :class:`cpsa.tables.compute.RoundData`; ``write_project`` lays out a
throw-away project (round config, codebook, reference, processed data) for
end-to-end tests of ``cpsa tables`` under ``CPSA_ROOT``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cpsa.tables.compute import RoundData, Settings
from helpers import REPO

ROOT = REPO

# a small codebook: theme "solo" has one statement (an edge case on purpose)
ITEM_THEME = {"A1": "alpha", "A2": "alpha", "A3": "alpha", "B1": "beta", "B2": "beta", "S1": "solo"}
ITEMS = tuple(ITEM_THEME)
THEMES = ("alpha", "beta", "solo")
CODES = ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know", None)
SCORE = {"strongly_agree": 4, "agree": 3, "disagree": 2, "strongly_disagree": 1}
SHORT = {"SA": "strongly_agree", "A": "agree", "D": "disagree", "SD": "strongly_disagree",
         "DK": "dont_know", "-": None}  # fmt: skip


def build_responses(spec: dict[str, list[tuple[str, str]]], *, prefix: str = "R") -> pd.DataFrame:
    """``{cpp: [(partner_type, "SA A D SD DK -"), ...]}`` -> responses frame.

    Each answer string lists one short code per statement in ``ITEMS`` order.
    """
    rows = []
    k = 0
    for cpp in sorted(spec):
        for partner, answers in spec[cpp]:
            k += 1
            codes = answers.split()
            if len(codes) != len(ITEMS):
                raise ValueError(f"need {len(ITEMS)} answers, got {answers!r}")
            for item, short in zip(ITEMS, codes, strict=True):
                code = SHORT[short]
                rows.append(
                    {
                        "respondent_id": f"{prefix}{k:04d}",
                        "cpp": cpp,
                        "partner_type": partner,
                        "theme": ITEM_THEME[item],
                        "item": item,
                        "response": code,
                        "score": SCORE.get(code) if code else None,
                    }
                )
    df = pd.DataFrame(rows)
    df["score"] = df["score"].astype("Int64")
    return df


def random_responses(
    rng: np.random.Generator, sizes: dict[str, int], *, shift: dict[str, float] | None = None
) -> pd.DataFrame:
    """Random answers; ``shift`` raises (or lowers) the chance of a positive answer per CPP."""
    spec = {}
    for cpp, n in sizes.items():
        p_pos = np.clip(0.7 + (shift or {}).get(cpp, 0.0), 0.01, 0.99)
        people = []
        for i in range(n):
            codes = []
            for _ in ITEMS:
                u = rng.random()
                if u < 0.05:
                    codes.append("-")
                elif u < 0.12:
                    codes.append("DK")
                else:
                    pos = rng.random() < p_pos
                    codes.append(rng.choice(["SA", "A"]) if pos else rng.choice(["D", "SD"]))
            people.append((["community", "police", "elected_member"][i % 3], " ".join(codes)))
        spec[cpp] = people
    return build_responses(spec)


def respondents_of(responses: pd.DataFrame) -> pd.DataFrame:
    return (
        responses[["respondent_id", "cpp", "partner_type"]].drop_duplicates().reset_index(drop=True)
    )


def comments_for(responses: pd.DataFrame, texts: dict[str, list[tuple[str, str, str]]]):
    """``{cpp: [(theme, kind, text), ...]}`` -> comments frame (first respondent of the CPP)."""
    resp = respondents_of(responses)
    rows = []
    for cpp, items in texts.items():
        first = resp[resp["cpp"] == cpp].iloc[0]
        for theme, kind, text in items:
            rows.append(
                {
                    "respondent_id": first["respondent_id"],
                    "cpp": cpp,
                    "partner_type": first["partner_type"],
                    "theme": theme,
                    "kind": kind,
                    "text": text,
                }
            )
    cols = ["respondent_id", "cpp", "partner_type", "theme", "kind", "text"]
    return pd.DataFrame(rows, columns=cols)


def round_data(
    responses: pd.DataFrame,
    *,
    round_: str = "t-2026",
    cpps: tuple[str, ...] | None = None,
    comments: pd.DataFrame | None = None,
    invited: dict[str, int] | None = None,
) -> RoundData:
    return RoundData(
        round=round_,
        responses=responses,
        respondents=respondents_of(responses),
        comments=comments if comments is not None else comments_for(responses, {}),
        cpps=tuple(sorted(cpps or responses["cpp"].unique())),
        items=ITEMS,
        item_theme=dict(ITEM_THEME),
        themes=THEMES,
        members_invited=invited or {},
    )


def settings(**kw) -> Settings:
    return Settings(**{"seed": 7, "permutations": 999, **kw})


CODEBOOK_YAML = {
    "id": "mini-v1",
    "title": "Test codebook",
    "scale": [
        {"code": "strongly_agree", "label": "Strongly agree", "score": 4, "positive": True},
        {"code": "agree", "label": "Agree", "score": 3, "positive": True},
        {"code": "disagree", "label": "Disagree", "score": 2, "positive": False},
        {"code": "strongly_disagree", "label": "Strongly disagree", "score": 1, "positive": False},
        {"code": "dont_know", "label": "Don't know", "score": None, "positive": False},
    ],
    "themes": [
        {
            "id": t,
            "title": t.title(),
            "description": f"Theme {t}",
            "comments": {"strengths": f"{t} strengths?", "improvements": f"{t} improve?"},
        }
        for t in THEMES
    ],
    "statements": [{"id": i, "theme": t, "text": f"Statement {i}"} for i, t in ITEM_THEME.items()],
}


def write_project(
    root: Path,
    rounds: dict[str, tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]],
    *,
    baseline: dict[str, str] | None = None,
    thresholds: dict | None = None,
) -> Path:
    """A throw-away project: ``{round: (responses, comments, cpps)}`` -> files under root."""
    (root / "params" / "checklist").mkdir(parents=True)
    (root / "params" / "checklist" / "mini-v1.yaml").write_text(yaml.safe_dump(CODEBOOK_YAML))
    shutil.copytree(ROOT / "data" / "reference", root / "data" / "reference")
    for name, (responses, comments, cpps) in rounds.items():
        demo = root / "data" / "demo" / name
        demo.mkdir(parents=True)
        (demo / "export.csv").write_text("placeholder\n")
        sizes = pd.DataFrame({"cpp": list(cpps), "members_invited": [20] * len(cpps)})
        sizes.to_csv(demo / "board_sizes.csv", index=False)
        cfg = {
            "round": name,
            "year": int(name[-4:]),
            "title": f"Test round {name}",
            "synthetic": True,
            "export": f"data/demo/{name}/export.csv",
            "codebook": "mini-v1",
            "baseline": (baseline or {}).get(name),
            "cpps": list(cpps),
            "board_sizes": f"data/demo/{name}/board_sizes.csv",
            "seed": 123,
            "thresholds": {"permutations": 999, **(thresholds or {})},
        }
        if thresholds:  # a small test round may go below the disclosure floors, and says why
            cfg["allow_below_disclosure_minimum"] = "test round with few CPPs"
        (root / "params" / name).mkdir(parents=True)
        (root / "params" / name / "round.yaml").write_text(yaml.safe_dump(cfg))
        proc = root / "data" / "processed" / name
        proc.mkdir(parents=True)
        responses.to_parquet(proc / "responses.parquet", index=False)
        respondents_of(responses).to_parquet(proc / "respondents.parquet", index=False)
        comments.to_parquet(proc / "comments.parquet", index=False)
        manifest = {"round": name, "n_respondents": int(responses["respondent_id"].nunique())}
        # load_processed refuses tables whose SHA-256 differs from the manifest's record
        manifest["files"] = {
            f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in proc.glob("*.parquet")
        }
        (proc / "manifest.json").write_text(json.dumps(manifest))
    return root
