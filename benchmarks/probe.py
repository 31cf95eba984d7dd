"""A timer around each pipeline stage of ``cpsa build``, for the per-stage breakdown.

``cpsa build`` records each report's total time but not how it splits between
executing and rendering. ``install(LOG)`` wraps the module-level functions the
build calls (the build looks them up at call time) as their modules are
imported, and each call appends one JSON line to LOG: ``{"stage", "seconds",
"pid"}``. ``site/sitecustomize.py`` installs it in every process of a build
(workers are spawned, not forked). The build itself is unchanged; the wrappers
cost a ``perf_counter`` call and one short append each.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# stage name -> (module, function); a missing module or function is skipped, so the
# probe works with whichever parts of the pipeline exist
STAGES = {
    "ingest": ("cpsa.data.ingest", "ingest_round"),
    "analysis": ("cpsa.tables.write", "write_round_tables"),
    "params": ("cpsa.pipeline.params", "write_round_params"),
    "execute": ("cpsa.pipeline.execute", "execute_report"),
    "plan": ("cpsa.report.improvement_plan", "write_plan"),
    "render": ("cpsa.render", "render_report"),
    "render_html": ("cpsa.render.html", "render_html"),
    "render_pdf": ("cpsa.render.pdf", "render_pdf"),
}


def _timed(stage: str, fn: Callable[..., Any], log_path: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            line = json.dumps(
                {"stage": stage, "seconds": time.perf_counter() - start, "pid": os.getpid()}
            )
            # O_APPEND: whole short lines from several worker processes do not interleave
            fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)

    return wrapper


class _PatchOnImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Wraps a stage's function right after its module is imported, and only then.

    Importing the stage modules up front would load scipy, papermill and the
    renderers into the build's parent before it forks its workers: a no-op build
    would look slower and a cold build faster than they really are.
    """

    def __init__(self, log_path: str) -> None:
        self.log_path = log_path
        self.by_module: dict[str, list[tuple[str, str]]] = {}
        for stage, (module_name, attr) in STAGES.items():
            self.by_module.setdefault(module_name, []).append((stage, attr))
        self.loaders: dict[str, importlib.abc.Loader] = {}

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self.by_module:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                self.loaders[name] = spec.loader
                spec.loader = self
                return spec
        return None

    def create_module(self, spec: Any) -> Any:
        return self.loaders[spec.name].create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loaders[module.__name__].exec_module(module)
        for stage, attr in self.by_module[module.__name__]:
            fn = getattr(module, attr, None)
            if callable(fn):
                setattr(module, attr, _timed(stage, fn, self.log_path))


def install(log_path: str) -> None:
    """Time every stage function when (and if) its module is imported."""
    sys.meta_path.insert(0, _PatchOnImport(log_path))


def read_log(log_path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """The probe log as stage -> durations, in call order."""
    out: dict[str, list[float]] = {}
    try:
        text = Path(log_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        if line.strip():
            rec = json.loads(line)
            out.setdefault(rec["stage"], []).append(float(rec["seconds"]))
    return out
