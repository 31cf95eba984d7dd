"""Papermill execution: kernel, working directory, failures, determinism, parallel starts."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cpsa.pipeline.execute import ExecutionError, execute_report, failed_path, strip_volatile
from cpsa.pipeline.kernel import kernel_manager_class


def _notebook(path: Path, *body: str) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell('who = "nobody"', id="params", metadata={"tags": ["parameters"]}),
            *[new_code_cell(src, id=f"c{i}") for i, src in enumerate(body)],
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "cpsa",
        "display_name": "Python (cpsa)",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


GREETING = (
    "import os\nfrom IPython.display import Markdown\n"
    "Markdown(f\"# Hello {who}\\n\\ncwd={os.getcwd()} root={os.environ['CPSA_ROOT']}\")"
)


def _markdown(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md:
                out.append(md if isinstance(md, str) else "".join(md))
    return "\n".join(out)


def test_strip_volatile_removes_timings_paths_and_random_ids() -> None:
    nb = nbformat.from_dict(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "id": "3f1c0e0e-random",
                    "metadata": {
                        "tags": ["injected-parameters"],
                        "papermill": {"start_time": "t0", "end_time": "t1", "duration": 1.5},
                        "execution": {"iopub.execute_input": "t0"},
                    },
                    "source": "who = 'fife'",
                    "outputs": [],
                    "execution_count": 1,
                }
            ],
            "metadata": {
                "papermill": {
                    "start_time": "2026-11-23T06:00:00",
                    "end_time": "2026-11-23T06:00:09",
                    "duration": 9.1,
                    "input_path": "/tmp/x/.fife.abc.ipynb",
                    "parameters": {"who": "fife"},
                }
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    strip_volatile(nb, relative={"input_path": "notebooks/cpp_report.ipynb"})
    pm = nb.metadata["papermill"]
    assert pm == {"input_path": "notebooks/cpp_report.ipynb", "parameters": {"who": "fife"}}
    cell = nb.cells[0]
    assert cell.id == "injected-parameters"
    assert "execution" not in cell.metadata
    assert cell.metadata["papermill"] == {}


@pytest.mark.slow
def test_executes_in_the_project_root_with_parameters_and_is_deterministic(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    nb = _notebook(tmp_path / "greet.ipynb", GREETING)
    target = root / "outputs" / "notebooks" / "fife.ipynb"
    first = execute_report(notebook=nb, parameters={"who": "fife"}, target=target, root=root)
    assert first.notebook == target
    text = _markdown(target)
    assert "# Hello fife" in text
    assert f"cwd={root}" in text and f"root={root}" in text
    data = target.read_bytes()
    execute_report(notebook=nb, parameters={"who": "fife"}, target=target, root=root)
    assert target.read_bytes() == data
    # nothing but the published notebook is left behind
    assert sorted(p.name for p in target.parent.iterdir()) == ["fife.ipynb"]
    meta = json.loads(data)["metadata"]["papermill"]
    assert "duration" not in meta and meta["output_path"] == "outputs/notebooks/fife.ipynb"


@pytest.mark.slow
def test_failure_keeps_executed_copy_and_previous_good_notebook(tmp_path: Path) -> None:
    root = tmp_path
    nb = _notebook(tmp_path / "boom.ipynb", 'raise ValueError(f"no data for {who}")')
    target = root / "out" / "angus.ipynb"
    target.parent.mkdir()
    target.write_text("previous good notebook")
    with pytest.raises(ExecutionError) as err:
        execute_report(notebook=nb, parameters={"who": "angus"}, target=target, root=root)
    assert "ValueError: no data for angus" in str(err.value)
    assert err.value.failed_copy == failed_path(target)
    failed = json.loads(failed_path(target).read_text())
    errors = [
        o for c in failed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert errors and errors[0]["ename"] == "ValueError"
    assert target.read_text() == "previous good notebook"
    assert sorted(p.name for p in target.parent.iterdir()) == ["angus.failed.ipynb", "angus.ipynb"]


@pytest.mark.slow
def test_success_removes_an_old_failed_copy(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "ok.ipynb", "1 + 1")
    target = tmp_path / "out" / "moray.ipynb"
    target.parent.mkdir()
    failed_path(target).write_text("old failure")
    execute_report(notebook=nb, parameters={"who": "moray"}, target=target, root=tmp_path)
    assert not failed_path(target).exists()


def test_kernels_get_private_unix_sockets_not_tcp_ports(tmp_path: Path) -> None:
    cls = kernel_manager_class(socket_dir=tmp_path, env={})
    km = cls(kernel_name="cpsa")
    assert km.transport == "ipc"
    assert Path(km.ip).parent == tmp_path


def _run_one(args: tuple[str, str, str]) -> str:
    nb, target, who = args
    execute_report(
        notebook=Path(nb), parameters={"who": who}, target=Path(target), root=Path(target).parent
    )
    return _markdown(Path(target))


@pytest.mark.slow
def test_many_kernels_start_at_once_without_port_races(tmp_path: Path) -> None:
    # papermill issue #511: simultaneous kernel starts could collide on ports. Six
    # kernels start together; every report must come back with its own output.
    nb = _notebook(tmp_path / "greet.ipynb", GREETING)
    names = [f"cpp{i}" for i in range(6)]
    jobs = [(str(nb), str(tmp_path / "out" / f"{n}.ipynb"), n) for n in names]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        results = pool.map(_run_one, jobs)
    for name, text in zip(names, results, strict=True):
        assert f"# Hello {name}" in text
