"""A small seeded project for the report tests, its tables made by the real pipeline.

``build_project(root)`` copies the fixture round ``demo-2030`` (tests/fixtures/,
three CPPs cut from the synthetic demo export) into a temporary project with the
real notebooks and derives three rounds from its export:

- ``demo-2029``: the baseline (synthetic): the same answers, with Fife's Agree
  answers on the engagement statements turned into Disagree, so change appears;
- ``demo-2030``: the current round (synthetic, baseline ``demo-2029``), with
  Moray cut to three respondents, below the minimum for a report;
- ``2031``: the same answers as a real (not synthetic) round without a baseline.

Each round is ingested and tabulated with the real ``ingest_round`` and
``write_round_tables``; nothing here writes a table by hand. Each CPP's first
comment carries a unique planted string, so a leak into another report shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml
from fixtures.project import FIXTURES, make_project

from cpsa.config import Paths
from cpsa.data.codebook import load_codebook
from cpsa.data.ingest import ingest_round
from cpsa.data.reference import load_reference
from cpsa.pipeline.params import write_round_params
from cpsa.tables.write import write_round_tables

ROUND = "demo-2030"  # synthetic, with a baseline
BASELINE = "demo-2029"
REAL_ROUND = "2031"  # not synthetic, no baseline
CPPS = ("angus", "fife", "moray")
SMALL = "moray"  # below the minimum number of respondents in ROUND and REAL_ROUND
CPP_COLUMN = "Community Planning Partnership"


def planted(slug: str) -> str:
    return f"PLANTEDCOMMENT{slug.upper().replace('-', '')}"


def _export(root: Path) -> pd.DataFrame:
    file = FIXTURES / ROUND / "export.csv"
    return pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write_round(
    root: Path, round_: str, export: pd.DataFrame, *, synthetic: bool, baseline: str | None
) -> None:
    folder = "demo" if synthetic else "raw"
    data = root / "data" / folder / round_
    data.mkdir(parents=True, exist_ok=True)
    export.to_csv(data / "export.csv", index=False, encoding="utf-8")
    shutil.copy(FIXTURES / ROUND / "board_sizes.csv", data / "board_sizes.csv")
    cfg = yaml.safe_load((FIXTURES / ROUND / "round.yaml").read_text(encoding="utf-8"))
    cfg.update(
        round=round_,
        year=int(round_[-4:]),
        title=f"Fixture self-assessment {round_}",
        synthetic=synthetic,
        export=f"data/{folder}/{round_}/export.csv",
        board_sizes=f"data/{folder}/{round_}/board_sizes.csv",
        baseline=baseline,
        cpps=list(CPPS),
    )
    # three CPPs, two of them reported: allow the rest-of-Scotland comparisons anyway
    cfg["thresholds"] = {"permutations": 999, "min_reported_cpps": 2}
    cfg["allow_below_disclosure_minimum"] = "test fixture: a round of three CPPs"
    (root / "params" / round_).mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)
    (root / "params" / round_ / "round.yaml").write_text(text, encoding="utf-8")


_SHARED: dict[str, Path] = {}


def shared_project(factory) -> Path:
    """One built fixture project per test session (read-only: copy it before changing it)."""
    if "root" not in _SHARED:
        _SHARED["root"] = build_project(factory.mktemp("report-fixture"))
    return _SHARED["root"]


def build_project(root: Path) -> Path:
    """The fixture project under ``root`` with every round's tables and parameters."""
    root = make_project(root, notebooks="real")
    paths = Paths(root=root)
    ref = load_reference(paths)
    cb = load_codebook("psif-board-v1", paths)
    export = _export(root)
    slugs = export[CPP_COLUMN].map(ref.match_cpp)
    first_comment = cb.themes[0].strengths_question
    for slug in CPPS:
        row = export.index[slugs == slug][0]
        export.loc[row, first_comment] = f"{planted(slug)} works well here."
    base = export.copy()
    engagement = [s.text for s in cb.statements_in(cb.themes[0].id)]
    fife = slugs == "fife"
    for col in [c for c in base.columns if c in engagement]:
        base.loc[fife & base[col].isin(["Agree", "Strongly agree"]), col] = "Disagree"
    small = export.index[slugs == SMALL][3:]
    current = export.drop(index=small)
    _write_round(root, BASELINE, base, synthetic=True, baseline=None)
    _write_round(root, ROUND, current, synthetic=True, baseline=BASELINE)
    _write_round(root, REAL_ROUND, current, synthetic=False, baseline=None)
    for round_ in (BASELINE, ROUND, REAL_ROUND):
        ingest_round(round_, paths=paths)
        write_round_tables(round_, paths=paths)
        write_round_params(round_, paths=paths)
    return root
