"""Quarto renderer: ``quarto render`` of the prepared (already executed) notebook.

Used when ``quarto`` is on PATH (or ``CPSA_RENDERER=quarto``). Quarto must draw
the same document as the built-in renderer, so the render folder holds:

- ``report.ipynb``: the render copy. Its first cell is a raw cell holding the
  YAML front matter (the form Quarto reads: a first line ``---``, a non-empty
  second line, a closing ``---``), and that front matter carries every setting
  (title, subtitle, lang, A4, contents, no "Other Formats" links, the banner,
  the Typst partials): nothing depends on finding a ``_quarto.yml``. Every
  multi-line field is a list of lines, as Jupyter and Quarto write notebooks.
  Each figure is shown twice, once per output, as raw blocks (pandoc passes a
  raw block to its own format only): for HTML the same ``<img alt src="data:">``
  as the built-in HTML (already embedded, so ``embed-resources`` leaves it
  alone), for Typst the built-in PDF's own ``#figure(image(..., alt:))`` of
  the figure written to a file next to the copy (Typst cannot read data URIs).
- ``_quarto.yml``: ``project: type: default`` only, so that Quarto takes this
  folder as the project instead of searching upward (a ``.render-*`` folder
  inside another project is not one of its inputs, and its settings would
  silently not apply).
- ``typst-template.typ`` / ``typst-show.typ``: Quarto's two Typst template
  partials, replaced by cpsa's own template and the same show rule as the
  built-in PDF (page, banner on every page, page numbers, title page, contents).
- ``banner.html`` (synthetic data only): included before the body of the HTML.

Quarto is told not to execute anything (``--no-execute`` and ``execute:
enabled: false``): the notebook ran once, under Papermill. ``SOURCE_DATE_EPOCH``
(the report's date, from the round) is set for ``quarto render``, so Typst
writes that date, not the clock, and the same report gives the same bytes.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from cpsa import atomic
from cpsa.errors import QuartoError  # noqa: F401
from cpsa.render.document import (
    DocumentSettings,
    banner_html,
    html_image,
    pandoc_template_text,
    typst_figure,
    typst_show,
)
from cpsa.render.prepare import (
    IMAGE_RE,
    PreparedReport,
    _front_matter_cell,
    extract_images,
    front_matter,
)
from cpsa.templates import TEMPLATES

QUARTO_TIMEOUT = 600  # seconds per format; Quarto's first run unpacks its resources
FORMATS = (("html", ".html"), ("typst", ".pdf"))
TYPST_PARTIALS = ("typst-template.typ", "typst-show.typ")
BANNER_FILE = "banner.html"
PROJECT_FILE = "_quarto.yml"


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


def quarto_metadata(settings: DocumentSettings, base: dict[str, Any] | None = None) -> dict:
    """The render copy's front matter: the notebook's own, with every setting cpsa needs.

    Everything ``_quarto.yml`` says is here too (tests/unit/render checks it),
    so the copy renders the same wherever it lives.
    """
    matter = copy.deepcopy(base or {})
    for key in ("title", "subtitle", "lang", "toc", "toc-depth", "toc-title", "papersize"):
        matter.pop(key, None)
    formats = matter.pop("format", None)
    formats = formats if isinstance(formats, dict) else {}
    execute = matter.pop("execute", None)
    execute = execute if isinstance(execute, dict) else {}
    toc = {"toc": settings.toc, "toc-depth": settings.toc_depth, "toc-title": settings.toc_title}
    html: dict[str, Any] = {
        **_as_dict(formats.get("html")),
        "embed-resources": True,
        "lang": settings.lang,
        **toc,
        # no "Other Formats" box: the PDF is not published next to the HTML
        "format-links": False,
    }
    if settings.banner:
        html["include-before-body"] = [BANNER_FILE]
    typst: dict[str, Any] = {
        **_as_dict(formats.get("typst")),
        "papersize": settings.paper,
        **toc,
        "template-partials": list(TYPST_PARTIALS),
    }
    out: dict[str, Any] = {"title": settings.title}
    if settings.subtitle:
        out["subtitle"] = settings.subtitle
    out.update(
        {
            "lang": settings.lang,
            **matter,
            "papersize": settings.paper,
            **toc,
            "execute": {**execute, "enabled": False, "echo": False},
            "format": {"html": html, "typst": typst},
        }
    )
    return out


def write_render_copy(
    prepared: PreparedReport,
    *,
    workdir: Path,
    settings: DocumentSettings | None = None,
    name: str = "report",
) -> Path:
    """The folder Quarto renders (see the module's docstring); returns the notebook."""
    if settings is None:
        settings = prepared.settings()
    nb = copy.deepcopy(prepared.notebook)
    matter = quarto_metadata(settings, front_matter(nb))
    old = _front_matter_cell(nb)
    cells = [c for c in nb.get("cells", []) if c is not old]
    index = 0
    for cell in cells:
        if cell["cell_type"] == "markdown":
            index += 1
            cell["source"] = _figures_as_files(_text(cell["source"]), workdir, index)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                index += 1
                data["text/markdown"] = _figures_as_files(
                    _text(data["text/markdown"]), workdir, index
                )
    head = {
        "cell_type": "raw",
        "id": "front-matter",
        "metadata": {},
        "source": "---\n"
        + yaml.safe_dump(matter, sort_keys=False, allow_unicode=True, width=1000)
        + "---",
    }
    nb["cells"] = [head, *cells]
    meta = nb.setdefault("metadata", {})
    # Quarto needs the kernel's language to read a notebook, even one it won't run
    meta.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3"})
    meta["kernelspec"].setdefault("language", "python")
    meta.setdefault("language_info", {"name": "python"})
    _as_lines(nb)

    import nbformat

    target = workdir / f"{name}.ipynb"
    atomic.write_text(target, nbformat.v4.nbjson.writes(nbformat.from_dict(nb)) + "\n")
    atomic.write_text(workdir / PROJECT_FILE, yaml.safe_dump({"project": {"type": "default"}}))
    template = (TEMPLATES / "cpsa-report.typ").read_text(encoding="utf-8")
    atomic.write_text(workdir / TYPST_PARTIALS[0], pandoc_template_text(template))
    atomic.write_text(workdir / TYPST_PARTIALS[1], pandoc_template_text(typst_show(settings)))
    if settings.banner:
        atomic.write_text(workdir / BANNER_FILE, banner_html(settings.banner))
    return target


def quarto_command(exe: str, source: Path, fmt: str) -> list[str]:
    """The exact ``quarto render`` command for one format (run in the render folder)."""
    return [exe, "render", source.name, "--to", fmt, "--no-execute"]


def quarto_env(settings: DocumentSettings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of ``quarto render``: the caller's, with the report's date fixed."""
    env = dict(os.environ if base is None else base)
    env["SOURCE_DATE_EPOCH"] = str(int(settings.timestamp))
    return env


def render_quarto(
    prepared: PreparedReport, *, workdir: Path, settings: DocumentSettings | None = None
) -> tuple[bytes, bytes]:
    """(HTML bytes, PDF bytes) rendered by Quarto from a copy in ``workdir``."""
    exe = quarto_path()
    if exe is None:
        raise QuartoError("quarto is not on PATH; install it or set CPSA_RENDERER=builtin")
    if settings is None:
        settings = prepared.settings()
    source = write_render_copy(prepared, workdir=workdir, settings=settings)
    env = quarto_env(settings)
    results = []
    for fmt, suffix in FORMATS:
        done = subprocess.run(
            quarto_command(exe, source, fmt),
            cwd=workdir,
            env=env,
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


def _figures_as_files(markdown: str, workdir: Path, index: int) -> str:
    """Each data-URI image shown with its alt text: in HTML as it is, in Typst as a file."""
    matches = list(IMAGE_RE.finditer(markdown))
    if not matches:
        return markdown
    _, figures = extract_images(markdown, folder=workdir, stem=f"figure-{index}")
    parts, last = [], 0
    for m, fig in zip(matches, figures, strict=True):
        uri = f"data:{m['mime']};base64,{''.join(m['data'].split())}"
        parts += [markdown[last : m.start()], _figure_blocks(fig.path.name, uri, fig.alt)]
        last = m.end()
    parts.append(markdown[last:])
    return "".join(parts)


def _figure_blocks(file: str, uri: str, alt: str) -> str:
    """One image per output: pandoc keeps a raw block for its own format only."""
    return (
        f"\n\n```{{=html}}\n{html_image(uri, alt)}\n```\n\n"
        f"```{{=typst}}\n{typst_figure(file, alt)}\n```\n\n"
    )


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _lines(value: str | list[str]) -> list[str]:
    return _text(value).splitlines(keepends=True)


def _as_lines(nb: dict[str, Any]) -> None:
    """Multi-line fields as lists of lines, the form Quarto's notebook reader expects."""
    for cell in nb.get("cells", []):
        cell["source"] = _lines(cell.get("source", ""))
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _lines(output["text"])
            data = output.get("data", {})
            for mime, value in data.items():
                if isinstance(value, str | list) and not mime.endswith("json"):
                    data[mime] = _lines(value)
