"""Run a report notebook in this process, as Papermill would, and collect what it displays.

Much faster than a kernel, and lets a test watch what the notebook's code does
(for example which table columns it reads). Markdown cells contribute their
source; code cells what they ``display`` and the value of their last
expression, when that is Markdown. The parameters cell is replaced by
``params``, like Papermill's injected cell.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import IPython.display
import pytest


def run(notebook: Path, params: dict[str, Any]) -> list[str]:
    """The Markdown blocks the notebook shows, in order (the render copy's blocks)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    blocks: list[str] = []

    def show(*objs: Any, **_: Any) -> None:
        for obj in objs:
            if isinstance(obj, IPython.display.Markdown):
                blocks.append(obj.data)

    ns: dict[str, Any] = {"__name__": "__notebook__"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(IPython.display, "display", show)
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                blocks.append(source)
            elif cell["cell_type"] != "code":
                continue
            elif "parameters" in cell["metadata"].get("tags", []):
                ns.update(params)
            else:
                tree = ast.parse(source)
                last = (
                    tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                )
                exec(compile(tree, "<cell>", "exec"), ns)  # noqa: S102
                if last is not None:
                    show(eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns))  # noqa: S307
    return blocks
