"""Provenance: what data, code, parameters and tools produced a report.

Every report prints this block and every executed notebook carries it in its
metadata (``metadata.cpsa.pipeline.provenance``), so a reader can tell exactly which
export (SHA-256), which commit of cpsa (and whether the working tree had
uncommitted changes), which parameters and which package versions made it.
Nothing here depends on the clock, so two builds of the same inputs agree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from cpsa.config import ConfigError, Paths, get_paths

KEY_PACKAGES = (
    "cpsa",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "pypandoc-binary",
    "typst",
)


@dataclass(frozen=True)
class Provenance:
    round: str
    data_sha256: str | None
    data_source: str | None
    code_commit: str | None
    code_dirty: bool | None
    parameters: dict[str, Any] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    renderer: str = ""
    # thresholds the round lowers below the disclosure minimums, and why (None: none)
    disclosure_override: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        """(what, value) pairs for a report's provenance table."""
        commit = self.code_commit or "unknown (not a git checkout)"
        if self.code_dirty:
            commit += " (with uncommitted changes)"
        rows = [
            ("Survey round", self.round),
            ("Data file", self.data_source or "unknown"),
            ("Data SHA-256", self.data_sha256 or "unknown"),
            ("cpsa code version (git commit)", commit),
            ("Parameters", json.dumps(self.parameters, sort_keys=True)),
            ("Renderer", self.renderer),
        ]
        if self.disclosure_override:
            rows.insert(0, ("DISCLOSURE MINIMUM LOWERED", self.disclosure_override))
        rows += [(f"Package {k}", v) for k, v in sorted(self.packages.items())]
        return rows


def _git(root: Path, *args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


# the code version is that of the checkout the cpsa package runs from, not of the
# data root: a reviewer's scratch re-execution (CPSA_ROOT elsewhere) runs the same code
CODE_ROOT = Path(__file__).resolve().parents[3]


@cache
def code_version(root: Path = CODE_ROOT) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout; dirty ignores generated, git-ignored files."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit, bool(status)


@cache
def package_versions() -> dict[str, str]:
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@cache
def renderer_description() -> str:
    """Which renderer a build in this environment uses, with its version.

    Uses the build's own choice (``cpsa.render.choose_renderer``), so the report
    names the renderer that actually renders it.
    """
    from cpsa.render import choose_renderer, renderer_identity

    try:
        return renderer_identity(choose_renderer())
    except ConfigError as exc:  # e.g. Quarto forced but missing: the build stops on it
        return f"unavailable: {exc}"


def data_manifest(round_: str, paths: Paths | None = None) -> dict[str, Any]:
    """The processed data's manifest (source file and its SHA-256), or {} if absent."""
    paths = paths or get_paths()
    file = paths.processed(round_) / "manifest.json"
    if not file.is_file():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))


def collect(
    *, round_: str, parameters: dict[str, Any] | None = None, paths: Paths | None = None
) -> Provenance:
    """Provenance of a report of ``round_`` built with ``parameters`` in this environment."""
    paths = paths or get_paths()
    manifest = data_manifest(round_, paths)
    commit, dirty = code_version()
    from cpsa.config import load_round

    override = load_round(round_, paths).disclosure_override
    return Provenance(
        round=round_,
        data_sha256=manifest.get("sha256"),
        data_source=manifest.get("source"),
        code_commit=commit,
        code_dirty=dirty,
        parameters=dict(sorted((parameters or {}).items())),
        packages=package_versions(),
        renderer=renderer_description(),
        disclosure_override=override,
    )
