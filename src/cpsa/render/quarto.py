"""Quarto renderer: ``quarto render`` of the prepared (already executed) notebook.

Used when ``quarto`` is on PATH (or ``CPSA_RENDERER=quarto``). The render copy
holds the front matter (title, language, formats from ``_quarto.yml``) and
figures as files next to it, because Quarto's Typst route cannot read data
URIs. Quarto is told not to execute anything (``--no-execute`` and
``execute: enabled: false``): the notebook ran once, under Papermill.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from cpsa.errors import QuartoError  # noqa: F401
from cpsa.render.prepare import PreparedReport, extract_images

QUARTO_TIMEOUT = 600  # seconds per format; Quarto's first run unpacks its resources


def quarto_path() -> str | None:
    return shutil.which("quarto")


def quarto_version() -> str:
    exe = quarto_path()
    if exe is None:
        return "missing"
    done = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout.strip() or "unknown"


def write_render_copy(prepared: PreparedReport, *, workdir: Path, name: str = "report") -> Path:
    """The notebook Quarto renders, with every figure extracted into ``workdir``."""
    nb = json.loads(json.dumps(prepared.notebook))  # deep copy; outputs are rewritten below
    index = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" not in data:
                continue
            text = data["text/markdown"]
            text = text if isinstance(text, str) else "".join(text)
            index += 1
            data["text/markdown"], _ = extract_images(text, folder=workdir, stem=f"figure-{index}")
    target = workdir / f"{name}.ipynb"
    target.write_text(json.dumps(nb, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def render_quarto(prepared: PreparedReport, *, workdir: Path) -> tuple[bytes, bytes]:
    """(HTML bytes, PDF bytes) rendered by Quarto from a copy in ``workdir``."""
    exe = quarto_path()
    if exe is None:
        raise QuartoError("quarto is not on PATH; install it or set CPSA_RENDERER=builtin")
    source = write_render_copy(prepared, workdir=workdir)
    results = []
    for fmt, suffix in (("html", ".html"), ("typst", ".pdf")):
        done = subprocess.run(
            [exe, "render", source.name, "--to", fmt, "--no-execute"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=QUARTO_TIMEOUT,
            check=False,
        )
        output = source.with_suffix(suffix)
        if done.returncode != 0 or not output.is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise QuartoError(f"quarto render --to {fmt} failed for {prepared.title}:\n{tail}")
        results.append(output.read_bytes())
    return results[0], results[1]
