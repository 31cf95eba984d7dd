"""What every renderer of a report shares: its settings and the markup built from them.

The built-in renderer (nbconvert HTML, pandoc + Typst PDF) and Quarto must
produce the same document. Everything they have in common is made here, once:

- :class:`DocumentSettings`: title, subtitle, language, the synthetic-data
  banner, paper size, table of contents and the document date;
- :func:`typst_show`: the call of ``report`` in ``templates/cpsa-report.typ``
  (page set-up, banner in the header of every page, page numbers, title page,
  contents), used as-is by the built-in PDF and as Quarto's ``typst-show.typ``
  partial (the template itself is Quarto's ``typst-template.typ`` partial);
- :func:`typst_figure`: a figure with its alt text, in Typst;
- :func:`banner_html`: the banner at the top of the HTML page (the built-in
  template pastes it, Quarto includes it with ``include-before-body``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

TOC_TITLE = "Contents"
# headings listed in the contents: levels 1 and 2 (sections and their parts)
TOC_DEPTH = 2
PAPER = "a4"

BANNER_CSS = (
    ".cpsa-banner { background: #b00020; color: #fff; font-weight: bold; text-align: center;"
    " padding: 0.4rem; letter-spacing: 0.05em; margin: 0; }\n"
    "@media print { .cpsa-banner { -webkit-print-color-adjust: exact;"
    " print-color-adjust: exact; } }"
)


@dataclass(frozen=True)
class DocumentSettings:
    """How a report is presented, whichever renderer draws it."""

    title: str
    lang: str = "en-GB"
    subtitle: str | None = None
    banner: str | None = None
    toc: bool = True
    toc_title: str = TOC_TITLE
    toc_depth: int = TOC_DEPTH
    paper: str = PAPER
    timestamp: int = 0  # the document date (seconds since 1970, UTC): from the data, never now


def wants_toc(matter: dict[str, Any]) -> bool:
    """Whether the notebook's front matter asks for a table of contents (any format).

    A ``toc`` at the top level or under any format counts; a notebook that says
    nothing gets one (both renderers always agree, see :class:`DocumentSettings`).
    """
    values = [matter.get("toc")]
    formats = matter.get("format")
    if isinstance(formats, dict):
        values += [f.get("toc") for f in formats.values() if isinstance(f, dict)]
    stated = [v for v in values if v is not None]
    return any(bool(v) for v in stated) if stated else True


# ----------------------------------------------------------------------------- Typst


def typst_string(text: str) -> str:
    """A Typst string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", "")
    return f'"{escaped}"'


def typst_show(settings: DocumentSettings) -> str:
    """The show rule applying ``report`` (cpsa-report.typ) to the whole document."""
    language, _, region = settings.lang.partition("-")
    args = {
        "title": typst_string(settings.title),
        "subtitle": typst_string(settings.subtitle) if settings.subtitle else "none",
        "lang": typst_string(language.lower()),
        "region": typst_string(region.upper()) if region else "none",
        "banner": typst_string(settings.banner) if settings.banner else "none",
        "paper": typst_string(settings.paper),
        "toc": "true" if settings.toc else "false",
        "toc-title": typst_string(settings.toc_title),
        "toc-depth": str(int(settings.toc_depth)),
    }
    call = ", ".join(f"{k}: {v}" for k, v in args.items())
    return f"#show: report.with({call})\n"


def typst_figure(file: str, alt: str) -> str:
    """A figure in Typst: the image ``file`` (next to the .typ) with its alt text."""
    return f"#figure(image({typst_string(file)}, alt: {typst_string(alt)}))"


def pandoc_template_text(text: str) -> str:
    """``text`` as literal content of a pandoc template (Quarto's partials are ones)."""
    return text.replace("$", "$$")


# ----------------------------------------------------------------------------- HTML


def banner_html(banner: str | None) -> str:
    """The banner shown above the title of the HTML page ('' without a banner)."""
    if not banner:
        return ""
    return (
        f'<style type="text/css">\n{BANNER_CSS}\n</style>\n'
        f'<p class="cpsa-banner" role="note">{html.escape(banner)}</p>\n'
    )


def html_image(src: str, alt: str) -> str:
    """An image with its alt text, as the built-in HTML writes it (Quarto's HTML route)."""
    return f'<img alt="{html.escape(alt)}" src="{html.escape(src)}" style="max-width: 100%;" />'
