"""Builds of the fixture round with the real notebooks, shared by test modules.

``tests/test_determinism.py`` needs two clean builds and ``tests/test_verify.py``
needs one built round; a real-notebook build takes tens of seconds, so each
named build is made once per test session and tests copy it before changing it.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.project import ROUND, make_project

from cpsa import cli

# every build gets the same document date, as a release build would
SOURCE_DATE_EPOCH = "1900000000"


@dataclass(frozen=True)
class RealBuild:
    root: Path
    exit_code: int
    console: str


_BUILDS: dict[str, RealBuild] = {}


def real_build(factory: pytest.TempPathFactory, name: str) -> RealBuild:
    """The fixture round built from a clean project with the real notebooks (cached by name)."""
    if name not in _BUILDS:
        root = make_project(factory.mktemp(f"real-{name}") / "project", notebooks="real")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CPSA_ROOT", str(root))
            mp.setenv("CPSA_RENDERER", "builtin")
            mp.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = cli.main(["build", "--round", ROUND])
        _BUILDS[name] = RealBuild(root, code, out.getvalue())
    return _BUILDS[name]


def copy_build(build: RealBuild, dest: Path) -> Path:
    return shutil.copytree(build.root, dest, symlinks=True)
