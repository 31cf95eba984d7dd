"""Run ``cpsa`` with a timer around each pipeline stage: ``python probe.py LOG cpsa-args...``.

``cpsa build`` records each report's total time but not how it splits between
executing and rendering, so the benchmark runs the build through this wrapper.
It wraps the module-level functions the build calls (looked up at call time,
so the wrappers are seen by forked workers too) and appends one JSON line per
call to LOG: ``{"stage", "seconds", "pid"}``. The build itself is unchanged;
the wrappers cost a ``perf_counter`` call and one short append each.
"""

from __future__ import annotations

import functools
import importlib
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
    "ingest": ("cpsa.ingest", "ingest_round"),
    "analysis": ("cpsa.tables", "write_round_tables"),
    "params": ("cpsa.params", "write_round_params"),
    "execute": ("cpsa.execute", "execute_report"),
    "plan": ("cpsa.improvement_plan", "write_plan"),
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


def install(log_path: str) -> list[str]:
    """Wrap every stage function that exists; return the stages wrapped."""
    wrapped = []
    for stage, (module_name, attr) in STAGES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn):
            setattr(module, attr, _timed(stage, fn, log_path))
            wrapped.append(stage)
    return wrapped


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


def main(argv: list[str]) -> int:
    log_path, *cpsa_args = argv
    install(log_path)
    from cpsa.cli import main as cpsa_main

    return cpsa_main(cpsa_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
