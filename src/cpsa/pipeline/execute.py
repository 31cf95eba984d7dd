"""Run one report notebook with Papermill into ``outputs/<round>/notebooks/``.

The notebook runs in the project's ``cpsa`` kernel, with the project root as
working directory and a per-cell time limit. Papermill writes into a temporary
file next to the target; only a notebook that ran to the end replaces the
published one. A failing run is kept as ``<name>.failed.ipynb`` (traceback
included) for debugging, and the previous good notebook stays untouched.

Executed notebooks are deterministic: Papermill's timings, temporary paths and
random cell ids are replaced by fixed values, so an unchanged report produces
an identical file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpsa.errors import ExecutionError  # noqa: F401
from cpsa.pipeline.kernel import KERNEL_NAME, kernel_env, kernel_manager_class

log = logging.getLogger("cpsa.pipeline.execute")

DEFAULT_TIMEOUT = 600  # seconds per cell: generous, but a hung kernel cannot stall a build
START_TIMEOUT = 120  # seconds for the kernel to start on a busy machine
_VOLATILE_NB = ("start_time", "end_time", "duration", "environment_variables")
_VOLATILE_CELL = ("start_time", "end_time", "duration")


@dataclass(frozen=True)
class ExecutionResult:
    notebook: Path  # the executed notebook now in place
    seconds: float


def failed_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.failed.ipynb")


def execute_report(
    *,
    notebook: Path,
    parameters: dict[str, Any],
    target: Path,
    root: Path,
    timeout: int = DEFAULT_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
    provenance: dict[str, Any] | None = None,
    published: Path | None = None,
) -> ExecutionResult:
    """Execute ``notebook`` with ``parameters`` into ``target``; raise ExecutionError on failure.

    ``published`` is where the build will move ``target`` (it stages every output of a
    report before swapping them in); the notebook records that path, not the staging one.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".ipynb", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    relative = {
        "input_path": _rel(notebook, root),
        "output_path": _rel(published or target, root),
    }
    try:
        try:
            # short path: Unix socket names are limited to ~100 characters
            with tempfile.TemporaryDirectory(prefix="cpsa-k-") as sockets:
                papermill.execute_notebook(
                    str(notebook),
                    str(tmp),
                    parameters=parameters,
                    kernel_name=kernel_name,
                    progress_bar=False,
                    start_timeout=START_TIMEOUT,
                    execution_timeout=timeout,
                    request_save_on_cell_execute=True,
                    record_timing=False,
                    resources={"metadata": {"path": str(root)}},
                    kernel_manager_class=kernel_manager_class(
                        socket_dir=Path(sockets), env=kernel_env(root=root)
                    ),
                )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            failed = _keep_failed(tmp, target, relative=relative, provenance=provenance)
            if isinstance(exc, PapermillExecutionError):
                message = f"cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue}"
            else:
                message = f"{type(exc).__name__}: {exc}"
            raise ExecutionError(message, failed_copy=failed) from exc
        finish(tmp, target, relative=relative, provenance=provenance)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return ExecutionResult(notebook=target, seconds=time.perf_counter() - start)


def finish(
    tmp: Path, target: Path, *, relative: dict[str, str], provenance: dict[str, Any] | None
) -> None:
    """Clean the executed notebook in ``tmp`` and move it onto ``target`` atomically."""
    _write_clean(tmp, target, relative=relative, provenance=provenance)
    with contextlib.suppress(FileNotFoundError):
        failed_path(target).unlink()


def _keep_failed(
    tmp: Path, target: Path, *, relative: dict[str, str], provenance: dict[str, Any] | None
) -> Path | None:
    if not tmp.is_file() or tmp.stat().st_size == 0:
        return None
    failed = failed_path(target)
    try:
        _write_clean(tmp, failed, relative=relative, provenance=provenance)
    except Exception as exc:  # a half-written notebook is still worth keeping raw
        log.debug("could not clean failed notebook %s: %s", tmp, exc)
        os.replace(tmp, failed)
    return failed


def _write_clean(
    source: Path, target: Path, *, relative: dict[str, str], provenance: dict[str, Any] | None
) -> None:
    import nbformat

    from cpsa import atomic

    nb = nbformat.read(source, as_version=4)
    strip_volatile(nb, relative=relative)
    if provenance:
        nb.metadata["cpsa"] = provenance
    atomic.write_text(target, nbformat.writes(nb) + "\n")


def strip_volatile(nb: Any, *, relative: dict[str, str]) -> None:
    """Remove what changes from run to run (timings, temp paths, random ids), in place."""
    meta = nb.metadata.get("papermill", {})
    for key in _VOLATILE_NB:
        meta.pop(key, None)
    meta.update(relative)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill")
        if pm is not None:
            for key in _VOLATILE_CELL:
                pm.pop(key, None)
        tags = cell.metadata.get("tags", [])
        # Papermill gives the cells it adds random uuids; fixed ids keep files identical
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:
            cell["id"] = f"papermill-error-{index}"


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name
