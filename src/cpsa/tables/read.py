"""Read the tables a report presents, only through :mod:`cpsa.tables.schema`.

A CPP report reads only ``outputs/<round>/tables/by_cpp/<slug>/`` (nothing
about other CPPs can reach it); the national overview reads the round tables in
``outputs/<round>/tables/``. Every frame has exactly the columns and types its
declaration gives, or loading fails with a :class:`~cpsa.errors.SchemaError`
saying to re-run ``cpsa tables``. Nothing is renamed, guessed or derived here.

Each frame carries ``attrs["cpsa_table"]`` (its schema name), so a test can
check that every column the report code reads is a declared, written column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cpsa.config import ConfigError, Paths, get_paths
from cpsa.tables import schema


def resolve_dir(tables_dir: str | Path, paths: Paths | None = None) -> Path:
    """A project-relative tables folder as a checked path."""
    paths = paths or get_paths()
    full = paths.resolve(tables_dir)
    if not full.is_dir():
        raise ConfigError(
            f"tables folder {tables_dir} does not exist under {paths.root}; "
            "run `cpsa tables --round <round>` first"
        )
    return full


def read_table(path: Path, name: str) -> pd.DataFrame:
    """One written table, checked and typed by its declaration ``name``."""
    df = schema.read_csv(path, name)
    df.attrs["cpsa_table"] = name
    return df


def bundle_dir(round_: str, cpp: str, paths: Paths | None = None) -> Path:
    """``outputs/<round>/tables/by_cpp/<cpp>/`` (checked to exist)."""
    paths = paths or get_paths()
    return resolve_dir(paths.tables(round_) / "by_cpp" / cpp, paths)


@dataclass(frozen=True)
class CppBundle:
    """Everything one CPP report may show (and nothing about any other CPP)."""

    cpp: str
    summary: dict[str, Any]
    items: pd.DataFrame
    themes: pd.DataFrame
    change_items: pd.DataFrame
    change_themes: pd.DataFrame
    benchmark: pd.DataFrame  # where the board stands among the boards (cpsa.tables.benchmark)
    comments: pd.DataFrame

    @property
    def reportable(self) -> bool:
        """``summary.json``'s ``report_allowed``: enough members answered for results."""
        return bool(self.summary["report_allowed"])


def load_cpp_bundle(directory: Path, *, cpp: str) -> CppBundle:
    """Read ``by_cpp/<slug>/`` through the schema (significance is a column of the tables)."""
    summary = schema.read_summary(directory / "summary.json")
    if summary["cpp"] != cpp:
        raise ConfigError(
            f"{directory / 'summary.json'} is for CPP {summary['cpp']!r}, not {cpp!r}"
        )
    frames = {
        name: read_table(directory / f"{name}.csv", f"by_cpp/{name}") for name in schema.BUNDLE
    }
    return CppBundle(cpp=cpp, summary=summary, **frames)


@dataclass(frozen=True)
class NationalTables:
    """The round tables the national overview reads."""

    directory: Path
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.frames.get(name)


def load_national(directory: Path) -> NationalTables:
    """Every round table through the schema, with the schema's column names."""
    frames = {name: read_table(directory / t.file, name) for name, t in schema.TABLES.items()}
    return NationalTables(directory=directory, frames=frames)
