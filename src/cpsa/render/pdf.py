"""Built-in PDF renderer: Markdown -> pandoc -> Typst -> PDF, with cpsa's Typst template.

Pandoc's Typst writer drops image alt text, so figures are handed to pandoc as
raw Typst (``image(..., alt: ...)``) instead. The PDF is tagged for
accessibility and, when the content allows it, checked against PDF/UA-1 by
Typst itself. The document date is fixed (``SOURCE_DATE_EPOCH`` or the round's
1 January) so the same report always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from cpsa.render.document import DocumentSettings, typst_figure, typst_show
from cpsa.render.document import typst_string as typst_string  # re-exported (older callers)
from cpsa.render.prepare import Figure, PreparedReport, extract_images
from cpsa.templates import TEMPLATES

log = logging.getLogger("cpsa.render")

TYPST_TEMPLATE = TEMPLATES / "cpsa-report.typ"
PDF_STANDARD = "ua-1"


def markdown_to_typst(markdown: str, *, figures: list[Figure]) -> str:
    """The Typst body of a report whose images were already extracted to files."""
    import pypandoc

    by_name = {f.path.name: f for f in figures}

    def figure(m: re.Match[str]) -> str:
        fig = by_name.get(m["src"])
        if fig is None:
            return m.group(0)
        return f"\n\n```{{=typst}}\n{typst_figure(fig.path.name, fig.alt)}\n```\n\n"

    names = "|".join(re.escape(n) for n in by_name) or r"(?!)"
    md = re.sub(rf"!\[(?:\\.|[^\]\\])*\]\((?P<src>{names})\)", figure, markdown)
    return pypandoc.convert_text(md, "typst", format="markdown", extra_args=["--wrap=none"])


def typst_document(body: str, *, settings: DocumentSettings) -> str:
    """The main .typ file: cpsa's template, its show rule (shared with Quarto), the body."""
    return (
        f'#import "{TYPST_TEMPLATE.name}": report, horizontalrule\n{typst_show(settings)}\n{body}'
    )


@cache
def _compiler() -> Any:
    # font discovery is the slow part of Typst start-up: once per process
    import typst

    return typst.Compiler()


def render_pdf(
    prepared: PreparedReport,
    *,
    workdir: Path,
    subtitle: str | None = None,
    banner: str | None = None,
    timestamp: int,
    settings: DocumentSettings | None = None,
) -> bytes:
    """The report as PDF bytes; ``workdir`` (empty, private) receives the Typst sources.

    ``settings`` (title, banner, paper, contents...) default to the report's
    own; ``subtitle``, ``banner`` and ``timestamp`` are kept for older callers.
    """
    import typst

    if settings is None:
        settings = prepared.settings(subtitle=subtitle, banner=banner, timestamp=timestamp)
    markdown, figures = extract_images(prepared.markdown, folder=workdir)
    body = markdown_to_typst(markdown, figures=figures)
    source = typst_document(body, settings=settings)
    shutil.copyfile(TYPST_TEMPLATE, workdir / TYPST_TEMPLATE.name)
    main = workdir / "report.typ"
    main.write_text(source, encoding="utf-8")
    when = dt.datetime.fromtimestamp(settings.timestamp, tz=dt.UTC)
    try:
        return _compiler().compile(
            input=str(main), root=str(workdir), timestamp=when, pdf_standards=[PDF_STANDARD]
        )
    except typst.TypstError as exc:
        # PDF/UA-1 refuses some content (e.g. an image without alt text from a
        # notebook cell outside the report API); still publish a tagged PDF
        if "PDF/UA" not in str(exc):
            raise
        log.warning("PDF/UA-1 check failed for %s (%s); writing a tagged PDF", prepared.title, exc)
        return _compiler().compile(input=str(main), root=str(workdir), timestamp=when)
