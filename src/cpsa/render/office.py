"""Word and PowerPoint versions of a report, written by pandoc (pypandoc-binary).

- :func:`markdown_to_docx`: the report's Markdown (the render copy every
  renderer reads, see ``prepare``) as an editable Word document: real heading
  styles, tables with a header row, images with their alt text (pandoc writes
  it as the picture's ``descr``).
- :func:`markdown_to_pptx`: a slide deck (level-2 headings are slides); pandoc
  writes an image's *file name* as its ``descr``, so the alt text is put back
  into each picture afterwards.

Charts arrive as SVG; Word and PowerPoint before 2019 cannot show SVG and
pandoc's PNG fallback needs ``rsvg-convert``, so every SVG is first turned into
a PNG by Typst (already the PDF engine). Output is byte-for-byte reproducible:
document dates and zip-entry times are fixed.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cpsa import ooxml
from cpsa.render.prepare import IMAGE_RE

PNG_PPI = 200
# docx/pptx readers of markdown: no implicit figures (the alt text would be printed
# as a caption under every chart, which the HTML does not do)
READER = "markdown-implicit_figures"


def svg_to_png(svgs: Sequence[bytes], *, ppi: int = PNG_PPI) -> list[bytes]:
    """Each SVG as a PNG of its own size, in one Typst run."""
    if not svgs:
        return []
    import typst

    with tempfile.TemporaryDirectory(prefix="cpsa-png-") as tmp:
        folder = Path(tmp)
        pages = []
        for i, svg in enumerate(svgs):
            (folder / f"f{i}.svg").write_bytes(svg)
            pages.append(f'#image("f{i}.svg")')
        source = "#set page(width: auto, height: auto, margin: 4pt)\n" + "\n#pagebreak()\n".join(
            pages
        )
        (folder / "main.typ").write_text(source, encoding="utf-8")
        out = typst.compile(str(folder / "main.typ"), root=str(folder), format="png", ppi=ppi)
    return list(out) if isinstance(out, list) else [out]


def _normalise(data: bytes, timestamp: int) -> bytes:
    return ooxml.fixed_dates(data, dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))


def _pandoc(
    markdown: str, to: str, *, extra: Sequence[str], timestamp: int, cwd: Path | None = None
) -> bytes:
    import os

    import pypandoc

    with tempfile.TemporaryDirectory(prefix="cpsa-office-") as tmp:
        target = Path(tmp) / f"out.{to}"
        old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(timestamp)  # pandoc's document dates
        try:
            pypandoc.convert_text(
                markdown,
                to,
                format=READER,
                outputfile=str(target),
                extra_args=[*extra, *(["--resource-path", str(cwd)] if cwd else [])],
                cworkdir=str(cwd) if cwd else None,
            )
        finally:
            if old is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old
        return target.read_bytes()


def _metadata(title: str, subtitle: str | None, lang: str) -> list[str]:
    args = ["-M", f"title={title}", "-M", f"lang={lang}"]
    if subtitle:
        args += ["-M", f"subtitle={subtitle}"]
    return args


def images_to_files(markdown: str, *, folder: Path) -> str:
    """Write each data-URI image to ``folder`` (SVG as PNG) and point the Markdown at it.

    pandoc reads image files several times faster than long data URIs.
    """
    matches = list(IMAGE_RE.finditer(markdown))
    raw = [base64.b64decode("".join(m["data"].split())) for m in matches]
    svg_at = [i for i, m in enumerate(matches) if m["mime"] == "image/svg+xml"]
    for i, png in zip(svg_at, svg_to_png([raw[i] for i in svg_at]), strict=True):
        raw[i] = png
    names = {}
    for i, m in enumerate(matches):
        ext = "png" if m["mime"] == "image/svg+xml" else m["mime"].split("/")[1].split("+")[0]
        name = f"figure-{i + 1}.{ext}"
        (folder / name).write_bytes(raw[i])
        names[m.start()] = name
    return IMAGE_RE.sub(lambda m: f"![{m['alt']}]({names[m.start()]})", markdown)


def markdown_to_docx(
    markdown: str,
    *,
    title: str,
    subtitle: str | None = None,
    lang: str = "en-GB",
    timestamp: int = 0,
    toc: bool = True,
) -> bytes:
    """The report Markdown (images as data URIs) as a .docx file's bytes."""
    extra = ["--wrap=none", *_metadata(title, subtitle, lang)]
    if toc:
        extra += ["--toc", "--toc-depth=2"]
    with tempfile.TemporaryDirectory(prefix="cpsa-docx-") as tmp:
        body = images_to_files(markdown, folder=Path(tmp))
        raw = _pandoc(body, "docx", extra=extra, timestamp=timestamp, cwd=Path(tmp))
    return _normalise(raw, timestamp)


@dataclass(frozen=True)
class SlideImage:
    """A chart for the deck: PNG or SVG bytes and the alt text stating its finding."""

    name: str  # file name used in the Markdown, e.g. "theme-profile.png"
    data: bytes  # SVG or PNG
    alt: str


def markdown_to_pptx(
    markdown: str,
    *,
    title: str,
    subtitle: str | None = None,
    lang: str = "en-GB",
    images: Sequence[SlideImage] = (),
    timestamp: int = 0,
) -> bytes:
    """A deck from Markdown whose images are ``![](<name>)`` of ``images``.

    Level-2 headings start slides; ``::: notes`` blocks become speaker notes.
    Each picture's ``descr`` (alt text) is set from its :class:`SlideImage`.
    """
    svgs = [i for i in images if i.data.lstrip().startswith((b"<?xml", b"<svg"))]
    pngs = dict(zip((i.name for i in svgs), svg_to_png([i.data for i in svgs]), strict=True))
    with tempfile.TemporaryDirectory(prefix="cpsa-deck-") as tmp:
        folder = Path(tmp)
        for img in images:
            (folder / img.name).write_bytes(pngs.get(img.name, img.data))
        raw = _pandoc(
            markdown,
            "pptx",
            extra=["--slide-level=2", *_metadata(title, subtitle, lang)],
            timestamp=timestamp,
            cwd=folder,
        )
    return _normalise(set_picture_descr(raw, {i.name: i.alt for i in images}), timestamp)


def set_picture_descr(pptx: bytes, alts: dict[str, str]) -> bytes:
    """Replace each picture's ``descr`` (pandoc writes the file name) with its alt text."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(pptx))
    out = io.BytesIO()
    pattern = re.compile(r'descr="([^"]*)"')

    def fix(m: re.Match[str]) -> str:
        name = Path(html.unescape(m.group(1))).name
        alt = alts.get(name)
        if alt is None:
            return m.group(0)
        return f'descr="{html.escape(" ".join(alt.split()), quote=True)}"'

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("ppt/slides/slide") and info.filename.endswith(".xml"):
                body = pattern.sub(fix, body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()
