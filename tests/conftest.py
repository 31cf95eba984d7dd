"""Shared test fixtures.

``planted_demo`` builds the real ``demo-2026`` round once per test session in
a temporary copy of the project, after planting unique strings in the export:
for every CPP one comment gains a marker word (``ZQMARK<slug>``), an email
address and a phone number. Confidentiality, accessibility and report-content
tests then inspect every output of that build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from helpers import REPO
from helpers.planting import PLANTED_PHONE, marker, planted_email

from cpsa.config import Paths, load_round
from cpsa.data.codebook import load_codebook
from cpsa.data.reference import load_reference

ROOT = REPO
ROUND = "demo-2026"


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout under test (tests never write into it unless they say so)."""
    return ROOT


def copy_project(dest: Path) -> Paths:
    """A project root with the committed inputs and none of the generated outputs."""
    for rel in ("notebooks", "params", "data/reference", "data/demo"):
        shutil.copytree(ROOT / rel, dest / rel)
    return Paths(root=dest)


@dataclass(frozen=True)
class PlantedBuild:
    paths: Paths
    round: str
    cpps: tuple[str, ...]  # CPPs with a report
    names: dict[str, str]  # slug -> name, every CPP of the round
    exit_code: int
    console: str  # what the build printed

    def allowed(self, slug: str) -> bool:
        """Whether the CPP got a full report (enough respondents)."""
        summary = self.paths.tables(self.round) / "by_cpp" / slug / "summary.json"
        return bool(json.loads(summary.read_text())["report_allowed"])

    def report(self, name: str, ext: str) -> Path:
        return self.paths.reports(self.round) / f"{name}.{ext}"


@pytest.fixture(scope="session")
def planted_demo(tmp_path_factory) -> PlantedBuild:
    paths = copy_project(tmp_path_factory.mktemp("planted") / "project")
    cfg = load_round(ROUND, paths)
    cb = load_codebook(cfg.codebook, paths)
    export_file = paths.resolve(cfg.export)
    export = pd.read_csv(export_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ref = load_reference(paths)
    cpp_col = "Community Planning Partnership"
    comment_cols = [q for t in cb.themes for q in (t.strengths_question, t.improvements_question)]
    assert set(comment_cols) <= set(export.columns), "export format changed"
    slugs = export[cpp_col].map(ref.match_cpp)
    for slug in sorted(set(slugs)):
        row = export.index[slugs == slug][0]
        col = comment_cols[0]
        export.loc[row, col] = (
            f"{export.loc[row, col]} We should ask {marker(slug)} about this; "
            f"email {planted_email(slug)} or ring {PLANTED_PHONE}."
        ).strip()
    export.to_csv(export_file, index=False, encoding="utf-8")
    # the real command in a subprocess, so logging and the console are exercised too
    done = subprocess.run(
        [sys.executable, "-m", "cpsa", "build", "--round", ROUND, "--jobs", "2"],
        env={**os.environ, "CPSA_ROOT": str(paths.root)},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return PlantedBuild(
        paths=paths,
        round=ROUND,
        cpps=tuple(s for s in cfg.cpps if (paths.reports(ROUND) / f"{s}.html").is_file()),
        names={s: ref.cpp_name(s) for s in cfg.cpps},
        exit_code=done.returncode,
        console=done.stdout + done.stderr,
    )
