"""Render an executed report notebook to HTML and PDF, with Quarto or the built-in renderer.

Quarto is used when ``quarto`` is on PATH; otherwise the built-in renderer
(nbconvert for HTML, pandoc + Typst for PDF). ``CPSA_RENDERER=quarto|builtin``
forces one. Both get the same prepared content (see ``prepare``) and the same
settings, page set-up, banner and figure markup (see ``document``), and both
write their files atomically, so a failed render leaves the previous report.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from cpsa import atomic
from cpsa.config import ConfigError

RENDERERS = ("quarto", "builtin")


@dataclass(frozen=True)
class RenderResult:
    html: Path
    pdf: Path
    renderer: str


def choose_renderer(env: dict[str, str] | None = None) -> str:
    """``quarto`` or ``builtin``: forced by ``CPSA_RENDERER``, else Quarto if installed."""
    env = os.environ if env is None else env
    wanted = env.get("CPSA_RENDERER", "").strip().lower()
    if wanted and wanted not in RENDERERS:
        raise ConfigError(f"CPSA_RENDERER={wanted!r} is not a renderer; use quarto or builtin")
    has_quarto = shutil.which("quarto") is not None
    if wanted == "quarto" and not has_quarto:
        raise ConfigError(
            "CPSA_RENDERER=quarto but `quarto` is not on PATH; install Quarto "
            "(https://quarto.org/docs/get-started/) or unset CPSA_RENDERER to use the "
            "built-in renderer"
        )
    if wanted:
        return wanted
    return "quarto" if has_quarto else "builtin"


def renderer_identity(renderer: str) -> str:
    """A string that changes whenever the renderer (or its versions) changes."""
    if renderer == "quarto":
        from cpsa.render.quarto import quarto_version

        return f"quarto {quarto_version()}"
    versions = [f"{d} {_version(d)}" for d in ("nbconvert", "pypandoc-binary", "typst")]
    return "builtin: " + ", ".join(versions)


def render_report(
    executed: Path,
    *,
    html_target: Path,
    pdf_target: Path,
    title: str,
    subtitle: str | None = None,
    banner: str | None = None,
    timestamp: int = 0,
    renderer: str = "builtin",
) -> RenderResult:
    """Render the executed notebook ``executed`` to ``html_target`` and ``pdf_target``."""
    from cpsa.render.prepare import prepare

    nb = json.loads(executed.read_text(encoding="utf-8"))
    prepared = prepare(nb, title=title)
    # one set of settings for whichever renderer draws the report
    settings = prepared.settings(subtitle=subtitle, banner=banner, timestamp=timestamp)
    with tempfile.TemporaryDirectory(prefix=".render-", dir=html_target.parent) as tmp:
        workdir = Path(tmp)
        if renderer == "quarto":
            from cpsa.render.quarto import render_quarto

            html, pdf = render_quarto(prepared, workdir=workdir, settings=settings)
        else:
            from cpsa.render.html import render_html
            from cpsa.render.pdf import render_pdf

            html = render_html(prepared, settings=settings).encode("utf-8")
            pdf = render_pdf(prepared, workdir=workdir, timestamp=timestamp, settings=settings)
    atomic.write_bytes(html_target, html)
    atomic.write_bytes(pdf_target, pdf)
    return RenderResult(html=html_target, pdf=pdf_target, renderer=renderer)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"
