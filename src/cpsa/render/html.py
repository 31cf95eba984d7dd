"""Built-in HTML renderer: nbconvert, code hidden, self-contained.

Figures stay inline as data URIs and the template loads nothing from the
network (no MathJax or require.js), so one ``.html`` file is the whole report.
"""

from __future__ import annotations

from functools import cache
from typing import Any

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
    prepared: PreparedReport, *, subtitle: str | None = None, banner: str | None = None
) -> str:
    """The report as one self-contained HTML page."""
    import nbformat

    nb = nbformat.from_dict(prepared.notebook)
    # raw cells (the YAML front matter) would be pasted into the page verbatim
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    uris = _park_images(nb)
    body, _ = _exporter().from_notebook_node(
        nb,
        resources={
            "metadata": {"name": prepared.title},
            "cpsa_subtitle": subtitle,
            "cpsa_banner": banner,
        },
    )
    for key, uri in uris.items():
        body = body.replace(f'src="{key}"', f'src="{uri}"', 1)
    # nbconvert only accepts bare ISO 639-1 codes ("en"); the reports are en-GB
    return body.replace('<html lang="en">', f'<html lang="{prepared.lang}">', 1)


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
