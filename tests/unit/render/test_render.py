"""Rendering an executed notebook: the render copy, built-in HTML and PDF, renderer choice."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from helpers.render_fixture import MARKDOWN, PLAIN_ALT, SVG, TITLE, executed_nb
from pypdf import PdfReader

from cpsa.config import ConfigError
from cpsa.render import choose_renderer, render_report
from cpsa.render.html import render_html
from cpsa.render.pdf import render_pdf
from cpsa.render.prepare import RenderInputError, extract_images, front_matter, prepare


def test_prepare_drops_parameter_cells_and_code_and_sets_front_matter() -> None:
    prepared = prepare(executed_nb(), title=TITLE)
    matter = front_matter(prepared.notebook)
    assert matter["title"] == TITLE and matter["lang"] == "en-GB"
    assert matter["execute"]["echo"] is False
    sources = "".join(c["source"] for c in prepared.notebook["cells"])
    assert "SECRET-PARAMETER-CELL" not in sources
    assert 'cpp = "fife"' not in sources
    # the cell whose only output was a warning on stderr is not part of the report
    assert "UNIQUE-CODE-MARKER" not in sources
    assert prepared.markdown.startswith("# Fife: board self-assessment")
    assert (
        "UserWarning" not in prepared.markdown and "IPython.core.display" not in prepared.markdown
    )


def test_prepare_refuses_a_notebook_holding_an_error() -> None:
    error = {"output_type": "error", "ename": "KeyError", "evalue": "'fife'", "traceback": []}
    with pytest.raises(RenderInputError, match="KeyError"):
        prepare(executed_nb(extra_outputs=[error]), title=TITLE)


def test_extract_images_writes_the_decoded_figure_with_plain_alt_text(tmp_path: Path) -> None:
    markdown, figures = extract_images(MARKDOWN, folder=tmp_path)
    assert [f.path.name for f in figures] == ["figure-1.svg"]
    assert figures[0].path.read_bytes() == SVG
    assert figures[0].alt == PLAIN_ALT
    assert "data:image" not in markdown and "(figure-1.svg)" in markdown


def test_html_is_self_contained_accessible_and_has_no_code() -> None:
    html = render_html(prepare(executed_nb(), title=TITLE), banner="SYNTHETIC DEMONSTRATION DATA")
    assert '<html lang="en-GB">' in html
    assert f"<title>{TITLE}</title>" in html
    assert "No description has been provided" not in html
    body = html[html.index("<body") :]
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert not re.search(r'class="jp-(In|Out)putPrompt', body)
    assert "UNIQUE-CODE-MARKER" not in html and "SECRET-PARAMETER-CELL" not in html
    # nothing is fetched from the network: no script or stylesheet URLs
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", html)
    img = re.search(r'<img alt="([^"]*)" src="data:image/svg\+xml;base64,', html)
    assert img and img.group(1) == PLAIN_ALT
    assert re.search(r"<th[^>]*>Theme</th>", html)
    assert re.search(r"<td[^>]*>72%</td>", html)
    assert "SYNTHETIC DEMONSTRATION DATA" in html


def _pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_pdf_has_title_outline_tables_and_banner(tmp_path: Path) -> None:
    prepared = prepare(executed_nb(), title=TITLE)
    data = render_pdf(
        prepared,
        workdir=tmp_path,
        subtitle="National Community Planning Self-Assessment 2026",
        banner="SYNTHETIC DEMONSTRATION DATA",
        timestamp=1767225600,
    )
    text, reader = _pdf_text(data)
    assert reader.metadata.title == TITLE
    assert "12 of the 19 board members answered." in text
    assert "Leadership" in text and "72%" in text and "63%" in text
    assert "SYNTHETIC DEMONSTRATION DATA" in text
    assert "Page 1 of" in text or "Page 2 of" in text
    bookmarks = [item.title for item in _flatten(reader.outline)]
    assert "Fife: board self-assessment" in bookmarks and "Theme profile" in bookmarks
    # tagged PDF (PDF/UA-1): a structure tree, and the figure's alt text in it
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert PLAIN_ALT.encode() in data or _alt_in_structure(reader, PLAIN_ALT)


def test_pdf_without_banner_and_deterministic(tmp_path: Path) -> None:
    prepared = prepare(executed_nb(), title=TITLE)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = render_pdf(prepared, workdir=tmp_path / "a", timestamp=0)
    second = render_pdf(prepared, workdir=tmp_path / "b", timestamp=0)
    assert first == second
    text, _ = _pdf_text(first)
    assert "SYNTHETIC" not in text


def test_render_report_writes_both_files(tmp_path: Path) -> None:
    import json

    executed = tmp_path / "fife.ipynb"
    executed.write_text(json.dumps(executed_nb()))
    out = tmp_path / "reports"
    out.mkdir()
    result = render_report(
        executed, html_target=out / "fife.html", pdf_target=out / "fife.pdf", title=TITLE
    )
    assert result.renderer == "builtin"
    assert (out / "fife.pdf").read_bytes().startswith(b"%PDF")
    assert "<title>" in (out / "fife.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["fife.html", "fife.pdf"]


def test_renderer_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_renderer({"CPSA_RENDERER": "builtin"}) == "builtin"
    with pytest.raises(ConfigError, match="not a renderer"):
        choose_renderer({"CPSA_RENDERER": "latex"})
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_renderer({}) == "builtin"
    with pytest.raises(ConfigError, match="`quarto` is not on PATH"):
        choose_renderer({"CPSA_RENDERER": "quarto"})
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/quarto/bin/quarto")
    assert choose_renderer({}) == "quarto"


def _flatten(outline: list) -> list:
    items = []
    for item in outline:
        items.extend(_flatten(item) if isinstance(item, list) else [item])
    return items


def _alt_in_structure(reader: PdfReader, alt: str) -> bool:
    seen: set[int] = set()

    def walk(node: object) -> bool:
        node = node.get_object() if hasattr(node, "get_object") else node
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, dict):
            if str(node.get("/Alt", "")) == alt:
                return True
            return any(walk(node[k]) for k in ("/K",) if k in node)
        if isinstance(node, list):
            return any(walk(x) for x in node)
        return False

    return walk(reader.trailer["/Root"]["/StructTreeRoot"])


def test_html_and_pdf_have_the_same_table_of_contents(tmp_path: Path) -> None:
    nb = executed_nb(MARKDOWN + "\n## Second section\n\nText.\n\n### A part\n\nMore.\n")
    prepared = prepare(nb, title=TITLE)
    settings = prepared.settings(banner="SYNTHETIC DEMONSTRATION DATA", timestamp=0)
    html = render_html(prepared, settings=settings)
    nav = re.search(r'<nav id="TOC" role="doc-toc"[^>]*>(.*?)</nav>', html, re.S)
    assert nav and '<h2 id="toc-title">Contents</h2>' in nav.group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(1))
    # levels 1 and 2, as the PDF's outline (depth 2); the title itself is not listed
    assert [text for _, text in links] == [
        "Fife: board self-assessment",
        "Theme profile",
        "Second section",
    ]
    for ident, text in links:
        assert re.search(rf'<h[12] id="{ident}">{re.escape(text)}</h[12]>', html)
    # the banner above the title, the contents under it
    order = ['class="cpsa-banner"', 'class="cpsa-title"', 'id="TOC"', 'id="theme-profile"']
    assert [html.index(mark) for mark in order] == sorted(html.index(mark) for mark in order)
    pdf = render_pdf(prepared, workdir=tmp_path, timestamp=0, settings=settings)
    _, reader = _pdf_text(pdf)
    contents = reader.pages[0].extract_text()  # the title page holds the contents
    assert "Contents" in contents and "A part" not in contents
    for _, text in links:
        assert text in contents


def test_a_report_without_contents_has_none_in_either_renderer(tmp_path: Path) -> None:
    nb = executed_nb()
    nb["cells"][0]["source"] = ["---\n", "format:\n", "  html:\n", "    toc: false\n", "---"]
    prepared = prepare(nb, title=TITLE)
    assert prepared.toc is False
    html = render_html(prepared)
    assert 'id="TOC"' not in html and re.search(r'<h2 id="theme-profile">', html)
    text, _ = _pdf_text(render_pdf(prepared, workdir=tmp_path, timestamp=0))
    assert "Contents" not in text
