"""Turn an executed report notebook into what the renderers read.

Both renderers get the same content, taken from the executed notebook (never
re-executed): the Papermill parameter cells are dropped, code is hidden, the
front matter gets the report's title and language, and the Markdown each cell
displayed is collected in order. Figures arrive as Markdown images with
``data:`` URIs; :func:`extract_images` writes them to files for Typst and
Quarto, which cannot read data URIs.
"""

from __future__ import annotations

import base64
import copy
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cpsa import atomic
from cpsa.config import load_yaml_text
from cpsa.errors import RenderInputError  # noqa: F401
from cpsa.render.document import DocumentSettings, wants_toc

DROP_TAGS = frozenset({"parameters", "injected-parameters", "papermill-error-cell-tag"})
_MIME_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
# ![alt](data:image/svg+xml;base64,....) with Markdown-escaped alt text
IMAGE_RE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(data:(?P<mime>image/[a-z0-9.+-]+);base64,"
    r"(?P<data>[A-Za-z0-9+/=\s]*)\)"
)
# CommonMark: a backslash escapes any ASCII punctuation character
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class Figure:
    path: Path
    alt: str


@dataclass(frozen=True)
class PreparedReport:
    """A render-ready copy: the notebook (code hidden) and its Markdown, in order."""

    title: str
    lang: str
    notebook: dict[str, Any]  # nbformat-4 JSON, front matter first
    markdown: str  # every displayed block, images still as data URIs
    toc: bool = True  # the front matter asks for a table of contents

    def settings(
        self, *, subtitle: str | None = None, banner: str | None = None, timestamp: int = 0
    ) -> DocumentSettings:
        """How this report is presented, for every renderer alike."""
        return DocumentSettings(
            title=self.title,
            lang=self.lang,
            subtitle=subtitle,
            banner=banner,
            toc=self.toc,
            timestamp=timestamp,
        )


def front_matter(nb: dict[str, Any]) -> dict[str, Any]:
    """The YAML front matter of the first raw cell ({} if there is none)."""
    cell = _front_matter_cell(nb)
    if cell is None:
        return {}
    lines = _source(cell).strip().splitlines()
    ends = [i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")]
    if not ends:
        return {}
    data = load_yaml_text("\n".join(lines[1 : ends[0]]), source="the notebook's front matter")
    return data if isinstance(data, dict) else {}


def prepare(nb: dict[str, Any], *, title: str, lang: str = "en-GB") -> PreparedReport:
    """The render copy of an executed notebook ``nb`` (left unchanged)."""
    out = _joined(copy.deepcopy(nb))
    matter = front_matter(out)
    toc = wants_toc(matter)
    matter.update({"title": title, "lang": lang})
    matter.setdefault("execute", {})["echo"] = False
    cells: list[dict[str, Any]] = [
        {
            "cell_type": "raw",
            "id": "front-matter",
            "metadata": {},
            "source": "---\n" + yaml.safe_dump(matter, sort_keys=False, allow_unicode=True) + "---",
        }
    ]
    blocks: list[str] = []
    matter_cell = _front_matter_cell(out)
    for cell in out.get("cells", []):
        if cell is matter_cell or DROP_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell["cell_type"] == "markdown":
            cells.append(cell)
            blocks.append(_source(cell))
        elif cell["cell_type"] == "code":
            outputs = [o for o in (_keep_output(o) for o in cell.get("outputs", [])) if o]
            if not outputs:
                continue
            cell["outputs"] = outputs
            cells.append(cell)
            blocks.extend(_output_markdown(o) for o in outputs)
    # nbformat 4.5 requires cell ids; cells written by hand or by older tools
    # lack them, and nbformat then warns (an error under pytest -W error)
    for i, cell in enumerate(cells):
        cell.setdefault("id", f"cpsa-cell-{i}")
    out["cells"] = cells
    out["nbformat"], out["nbformat_minor"] = 4, max(5, out.get("nbformat_minor", 5))
    out.setdefault("metadata", {})["title"] = title
    markdown = "\n\n".join(b.strip("\n") for b in blocks if b.strip()) + "\n"
    return PreparedReport(title=title, lang=lang, notebook=out, markdown=markdown, toc=toc)


def extract_images(
    markdown: str, *, folder: Path, stem: str = "figure"
) -> tuple[str, list[Figure]]:
    """Write each data-URI image to ``folder`` and point the Markdown at the file.

    Files are numbered in order of appearance so the same report always gives
    the same names.
    """
    figures: list[Figure] = []

    def replace(m: re.Match[str]) -> str:
        ext = _MIME_EXT.get(m["mime"])
        if ext is None:
            raise RenderInputError(f"unsupported image type {m['mime']} in a Markdown output")
        path = folder / f"{stem}-{len(figures) + 1}.{ext}"
        atomic.write_bytes(path, base64.b64decode("".join(m["data"].split())))
        figures.append(Figure(path=path, alt=unescape_markdown(m["alt"])))
        return f"![{m['alt']}]({path.name})"

    return IMAGE_RE.sub(replace, markdown), figures


def unescape_markdown(text: str) -> str:
    """Markdown-escaped alt text back to plain text (``\\_`` -> ``_``, ``&lt;`` -> ``<``)."""
    return html.unescape(_MD_UNESCAPE.sub(r"\1", text))


def _joined(nb: dict[str, Any]) -> dict[str, Any]:
    """Multi-line fields as single strings (.ipynb files may store them as lists of lines)."""
    for cell in nb.get("cells", []):
        cell["source"] = _join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _join(output["text"])
            data = output.get("data", {})
            for mime, value in data.items():
                if isinstance(value, list):
                    data[mime] = _join(value)
    return nb


def _front_matter_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    for cell in nb.get("cells", []):
        if cell["cell_type"] == "raw" and _source(cell).lstrip().startswith("---"):
            return cell
        if cell["cell_type"] != "raw":
            return None
    return None


def _keep_output(output: dict[str, Any]) -> dict[str, Any] | None:
    """An output as the report shows it, or None for console noise."""
    kind = output.get("output_type")
    if kind == "error":
        raise RenderInputError(
            f"the executed notebook holds an error ({output.get('ename')}: "
            f"{output.get('evalue')}); fix the notebook and rebuild"
        )
    if kind not in ("execute_result", "display_data"):
        return None  # stdout/stderr (e.g. warnings) are diagnostics, not report content
    data = output.get("data", {})
    if "text/markdown" in data:
        # the Markdown is the content; the text/plain repr would only be noise
        return {**output, "data": {"text/markdown": data["text/markdown"]}}
    if any(m in data for m in _MIME_EXT):
        return output
    return None


def _output_markdown(output: dict[str, Any]) -> str:
    data = output["data"]
    if "text/markdown" in data:
        return _join(data["text/markdown"])
    for mime in _MIME_EXT:
        if mime in data:
            payload = _join(data[mime])
            if mime == "image/svg+xml":
                payload = base64.b64encode(payload.encode("utf-8")).decode("ascii")
            alt = output.get("metadata", {}).get("alt", "Figure")
            return f"![{alt}](data:{mime};base64,{''.join(payload.split())})"
    return ""


def _source(cell: dict[str, Any]) -> str:
    return _join(cell.get("source", ""))


def _join(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)
