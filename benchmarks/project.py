"""Scratch copies of the project, so the benchmark never touches the real outputs.

Every command the benchmark times runs with ``CPSA_ROOT`` pointing at a copy in
a temporary folder, so the copy's ``outputs/`` and ``data/processed/`` are the
only places written. The copy includes ``src/`` and ``PYTHONPATH`` points at it:
the benchmark then measures one frozen version of the code, even if the checkout
is edited while it runs (``cpsa build`` rebuilds every report when its sources
change, which would turn a no-op rebuild into a full one).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What a build reads; outputs, caches and the virtual environment are left behind.
PROJECT_PARTS = ("src", "params", "data/reference", "data/demo", "notebooks", "_quarto.yml")
_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")


def copy_project(dest: Path, *, parts: Iterable[str] = PROJECT_PARTS, src: Path = REPO) -> Path:
    """Copy the named parts of the project at ``src`` into ``dest``; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in parts:
        source = src / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=_IGNORE, dirs_exist_ok=True)
        elif source.is_file():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / part)
    return dest


def env_for(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked command: this venv first on PATH, CPSA_ROOT set.

    When the copy has its own ``src/``, PYTHONPATH puts it before the editable install.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["CPSA_ROOT"] = str(root)
    env.pop("PYTHONPATH", None)
    if (root / "src" / "cpsa").is_dir():
        env["PYTHONPATH"] = str(root / "src")
    env.update(extra)
    return env


def cpsa_command(*args: str) -> list[str]:
    """``cpsa ARGS`` with the interpreter running this benchmark."""
    return [sys.executable, "-m", "cpsa", *args]
