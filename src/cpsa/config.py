"""Where things live, and the round configuration.

The single source of paths for the whole project (cookiecutter-data-science
style): nothing else builds paths relative to the working directory. The
project root is the checkout this package was installed from, or ``CPSA_ROOT``
when set (tests point it at a temporary project).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cpsa.errors import ConfigError  # noqa: F401

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

ROUND_NAME = re.compile(r"^(demo-)?\d{4}[a-z0-9-]*$")


@dataclass(frozen=True)
class Paths:
    """All project locations, derived from one root."""

    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def checklists(self) -> Path:
        return self.params / "checklist"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def reference(self) -> Path:
        return self.data / "reference"

    @property
    def demo(self) -> Path:
        return self.data / "demo"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed_root(self) -> Path:
        return self.data / "processed"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    def round_params(self, round_: str) -> Path:
        return self.params / round_

    def round_config_file(self, round_: str) -> Path:
        return self.round_params(round_) / "round.yaml"

    def processed(self, round_: str) -> Path:
        return self.processed_root / round_

    def round_outputs(self, round_: str) -> Path:
        return self.outputs / round_

    def tables(self, round_: str) -> Path:
        return self.round_outputs(round_) / "tables"

    def reports(self, round_: str) -> Path:
        return self.round_outputs(round_) / "reports"

    def executed_notebooks(self, round_: str) -> Path:
        return self.round_outputs(round_) / "notebooks"

    def inside(self, path: Path) -> bool:
        """True when ``path`` (resolved) lies inside the project root."""
        try:
            Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True

    def resolve(self, relative: str | Path) -> Path:
        """Resolve a project-relative path from a config file; refuse escapes."""
        p = Path(relative)
        full = p if p.is_absolute() else self.root / p
        if not self.inside(full):
            raise ConfigError(
                f"path {str(relative)!r} points outside the project ({self.root}); "
                "use a path relative to the project root"
            )
        return full


def get_paths() -> Paths:
    """The project paths; ``CPSA_ROOT`` overrides the checkout root."""
    env = os.environ.get("CPSA_ROOT")
    return Paths(root=Path(env).resolve() if env else _PACKAGE_ROOT)


@dataclass(frozen=True)
class Thresholds:
    """Disclosure-control and significance settings of a round."""

    min_respondents_report: int = 5
    min_group_cpp: int = 5
    min_group_national: int = 10
    q_threshold: float = 0.05
    permutations: int = 9999
    # fewest reported CPPs for any rest-of-Scotland comparison, quantile or distribution
    min_reported_cpps: int = 5
    # fewest valid answers for a CPP's statement figures to be shown
    min_valid_statement: int = 3


@dataclass(frozen=True)
class Publication:
    """The national overview's publication details (never the clock)."""

    date: str  # ISO date, YYYY-MM-DD
    contact: str  # who answers questions about the statistics (team and e-mail)


@dataclass(frozen=True)
class ComparisonGroup:
    """An optional group of similar partnerships a CPP report may be compared with, pooled."""

    name: str
    cpps: tuple[str, ...]


@dataclass(frozen=True)
class RoundConfig:
    """``params/<round>/round.yaml``, validated."""

    round: str
    year: int
    title: str
    synthetic: bool
    export: str
    codebook: str
    baseline: str | None
    cpps: tuple[str, ...]
    board_sizes: str | None
    seed: int
    thresholds: Thresholds = field(default_factory=Thresholds)
    publication: Publication | None = None
    # real exports: the worksheet holding the responses, and numeric answer codes -> labels
    sheet: str | None = None
    codes: dict[int, str] | None = None
    comparison_groups: tuple[ComparisonGroup, ...] = ()
    # optional file of board members' names to redact from comments (never in git)
    board_members: str | None = None

    def export_path(self, paths: Paths | None = None) -> Path:
        return (paths or get_paths()).resolve(self.export)

    def board_sizes_path(self, paths: Paths | None = None) -> Path | None:
        if self.board_sizes is None:
            return None
        return (paths or get_paths()).resolve(self.board_sizes)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        d = asdict(self)
        d["cpps"] = list(self.cpps)
        return d


_REQUIRED = ("round", "year", "title", "synthetic", "export", "codebook", "cpps", "seed")
_OPTIONAL = (
    "baseline",
    "board_sizes",
    "thresholds",
    "publication",
    "sheet",
    "codes",
    "comparison_groups",
    "board_members",
)


def list_rounds(paths: Paths | None = None) -> list[str]:
    paths = paths or get_paths()
    if not paths.params.is_dir():
        return []
    return sorted(p.parent.name for p in paths.params.glob("*/round.yaml"))


def load_round(round_: str, paths: Paths | None = None) -> RoundConfig:
    """Load and validate a round config, with errors that say how to fix them."""
    paths = paths or get_paths()
    file = paths.round_config_file(round_)
    if not file.is_file():
        known = ", ".join(list_rounds(paths)) or "none"
        raise ConfigError(
            f"no round config {file.relative_to(paths.root)} for round {round_!r}; "
            f"known rounds: {known}. Create params/{round_}/round.yaml (see README)."
        )
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: expected a mapping of settings")
    missing = [k for k in _REQUIRED if k not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    problems = []
    if missing:
        problems.append(f"missing setting(s): {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown setting(s): {', '.join(unknown)} "
            f"(allowed: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    if raw.get("round") is not None and str(raw["round"]) != round_:  # `round: 2026` is an int
        problems.append(f"'round: {raw.get('round')}' does not match the folder name {round_!r}")
    th = raw.get("thresholds") or {}
    th_fields = set(Thresholds.__dataclass_fields__)
    bad_th = sorted(set(th) - th_fields)
    if bad_th:
        problems.append(f"unknown threshold(s): {', '.join(bad_th)} (allowed: {sorted(th_fields)})")
    if problems:
        raise ConfigError(f"{file}: " + "; ".join(problems))
    cfg = RoundConfig(
        round=str(raw["round"]),
        year=int(raw["year"]),
        title=str(raw["title"]),
        synthetic=bool(raw["synthetic"]),
        export=str(raw["export"]),
        codebook=str(raw["codebook"]),
        baseline=None if raw.get("baseline") is None else str(raw["baseline"]),
        cpps=tuple(sorted(str(c) for c in raw["cpps"])),
        board_sizes=raw.get("board_sizes"),
        seed=int(raw["seed"]),
        thresholds=Thresholds(**th),
        publication=Publication(**raw["publication"]) if raw.get("publication") else None,
        sheet=None if raw.get("sheet") is None else str(raw["sheet"]),
        codes={int(k): str(v) for k, v in raw["codes"].items()} if raw.get("codes") else None,
        comparison_groups=tuple(
            ComparisonGroup(name=str(g["name"]), cpps=tuple(sorted(map(str, g["cpps"]))))
            for g in raw.get("comparison_groups") or ()
        ),
        board_members=None if raw.get("board_members") is None else str(raw["board_members"]),
    )
    paths.resolve(cfg.export)  # refuse paths outside the project early
    if cfg.board_sizes:
        paths.resolve(cfg.board_sizes)
    return cfg
