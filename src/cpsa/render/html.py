"""Built-in HTML renderer: nbconvert, code hidden, self-contained.

Figures stay inline as data URIs and the template loads nothing from the
network (no MathJax or require.js), so one ``.html`` file is the whole report.
Under the title: the banner (shared with Quarto) and a table of contents, as
in the PDF and in Quarto's HTML.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from cpsa.render.document import DocumentSettings, banner_html
from cpsa.render.prepare import IMAGE_RE, PreparedReport
from cpsa.templates import TEMPLATES

HTML_TEMPLATE = TEMPLATES / "cpsa_report.html.j2"


@cache
def _exporter() -> Any:
    # building the exporter loads Jinja templates and CSS: once per process
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        template_file=str(HTML_TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )


def render_html(
    prepared: PreparedReport,
    *,
    subtitle: str | None = None,
    banner: str | None = None,
    settings: DocumentSettings | None = None,
) -> str:
    """The report as one self-contained HTML page.

    ``settings`` default to the report's own with ``subtitle`` and ``banner``.
    """
    import nbformat

    if settings is None:
        settings = prepared.settings(subtitle=subtitle, banner=banner)
    nb = nbformat.from_dict(prepared.notebook)
    # raw cells (the YAML front matter) would be pasted into the page verbatim
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    uris = _park_images(nb)
    body, _ = _exporter().from_notebook_node(
        nb,
        resources={
            "metadata": {"name": settings.title},
            "cpsa_subtitle": settings.subtitle,
            "cpsa_banner_html": banner_html(settings.banner),
        },
    )
    body = _with_contents(body, settings)
    for key, uri in uris.items():
        body = body.replace(f'src="{key}"', f'src="{uri}"', 1)
    # nbconvert only accepts bare ISO 639-1 codes ("en"); the reports are en-GB
    return body.replace('<html lang="en">', f'<html lang="{settings.lang}">', 1)


_TOC_MARK = "<!-- cpsa-toc -->"
_HEADING_RE = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
_ID_RE = re.compile(r'\sid="([^"]*)"')
_TAG_RE = re.compile(r"<[^>]+>")


def _with_contents(page: str, settings: DocumentSettings) -> str:
    """Give the report's headings ids and list levels 1..toc_depth under the title.

    The same contents as the PDF's outline and Quarto's ``toc``: the headings
    of the report (not the title), to ``toc_depth``, titled ``toc_title``.
    """
    start = page.index(_TOC_MARK) if _TOC_MARK in page else -1
    if start < 0:
        return page
    head, body = page[:start], page[start + len(_TOC_MARK) :]
    taken: set[str] = set(_ID_RE.findall(body))
    entries: list[tuple[int, str, str]] = []

    def name(m: re.Match[str]) -> str:
        level, attrs, inner = int(m[1]), m[2], m[3]
        found = _ID_RE.search(attrs)
        if found:
            ident = found[1]
        else:
            ident = _unique(_identifier(_TAG_RE.sub("", inner)), taken)
            attrs = f' id="{ident}"{attrs}'
        if level <= settings.toc_depth:
            entries.append((level, ident, inner.strip()))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING_RE.sub(name, body)
    if not settings.toc or not entries:
        return head + body
    return head + _toc_nav(entries, settings.toc_title) + body


def _toc_nav(entries: list[tuple[int, str, str]], title: str) -> str:
    top = min(level for level, _, _ in entries)
    lines = [
        '<nav id="TOC" role="doc-toc" aria-labelledby="toc-title">',
        f'<h2 id="toc-title">{html.escape(title)}</h2>',
        "<ul>",
    ]
    depth = top
    for i, (level, ident, text) in enumerate(entries):
        while depth < level:
            lines.append("<ul>")
            depth += 1
        while depth > level:
            lines.append("</ul></li>")
            depth -= 1
        nested = i + 1 < len(entries) and entries[i + 1][0] > level
        item = f'<li><a href="#{ident}">{_TAG_RE.sub("", text)}</a>'
        lines.append(item if nested else item + "</li>")
    while depth > top:
        lines.append("</ul></li>")
        depth -= 1
    lines += ["</ul>", "</nav>"]
    return "\n".join(lines)


def _identifier(text: str) -> str:
    """A pandoc-style identifier: lower case, words joined by hyphens."""
    text = html.unescape(text).strip().lower()
    text = re.sub(r"[^\w\s.-]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"^[^a-z]+", "", text)
    return text or "section"


def _unique(ident: str, taken: set[str]) -> str:
    candidate, n = ident, 0
    while candidate in taken:
        n += 1
        candidate = f"{ident}-{n}"
    taken.add(candidate)
    return candidate


def _park_images(nb: Any) -> dict[str, str]:
    """Swap each figure's data URI for a short key, in place; returns key -> URI.

    The Markdown converter scans every character of its input, and the base64
    figures are most of a report: parking them makes the HTML step ~3x faster.
    """
    uris: dict[str, str] = {}

    def park(m: Any) -> str:
        key = f"cpsa-figure-{len(uris)}"
        uris[key] = f"data:{m['mime']};base64,{''.join(m['data'].split())}"
        return f"![{m['alt']}]({key})"

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                data["text/markdown"] = IMAGE_RE.sub(park, data["text/markdown"])
    return uris
