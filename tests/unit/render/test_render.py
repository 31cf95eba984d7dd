"""Rendering an executed notebook: the render copy, built-in HTML and PDF, renderer choice."""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from cpsa.config import ConfigError
from cpsa.render import choose_renderer, render_report
from cpsa.render.html import render_html
from cpsa.render.pdf import render_pdf
from cpsa.render.prepare import RenderInputError, extract_images, front_matter, prepare

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="90" height="30" fill="#1f77b4"/></svg>'
)
ALT = r"Bar chart of the theme scores for Fife \(72\% on Leadership\_A\)"
PLAIN_ALT = "Bar chart of the theme scores for Fife (72% on Leadership_A)"
MARKDOWN = (
    "# Fife: board self-assessment\n\n"
    "12 of the 19 board members answered.\n\n"
    "## Theme profile\n\n"
    f"![{ALT}](data:image/svg+xml;base64,{base64.b64encode(SVG).decode()})\n\n"
    "| Theme | This board | Rest of Scotland |\n"
    "| :--- | ---: | ---: |\n"
    "| Leadership | 72% | 65% |\n"
    "| Governance | 41% | 63% |\n"
)


def _executed_nb(markdown: str = MARKDOWN, *, extra_outputs: list | None = None) -> dict:
    """An executed report notebook as Papermill leaves it (lists of lines, as on disk)."""
    return {
        "cells": [
            {
                "cell_type": "raw",
                "id": "fm",
                "metadata": {},
                "source": ["---\n", 'title: "Template title"\n', "lang: en\n", "---"],
            },
            {
                "cell_type": "code",
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "source": 'cpp = "fife"',
                "outputs": [],
                "execution_count": 1,
            },
            {
                "cell_type": "code",
                "id": "injected-parameters",
                "metadata": {"tags": ["injected-parameters"]},
                "source": "# Parameters\ncpp = 'SECRET-PARAMETER-CELL'\n",
                "outputs": [],
                "execution_count": 2,
            },
            {
                "cell_type": "code",
                "id": "load",
                "metadata": {},
                "source": "r = CppReport.load(cpp='UNIQUE-CODE-MARKER')",
                "outputs": [
                    {"output_type": "stream", "name": "stderr", "text": ["UserWarning: noise\n"]}
                ],
                "execution_count": 3,
            },
            {
                "cell_type": "code",
                "id": "cover",
                "metadata": {},
                "source": "r.cover()",
                "execution_count": 4,
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 4,
                        "metadata": {},
                        "data": {
                            "text/markdown": markdown.splitlines(keepends=True),
                            "text/plain": ["<IPython.core.display.Markdown object>"],
                        },
                    },
                    *(extra_outputs or []),
                ],
            },
        ],
        "metadata": {"kernelspec": {"name": "cpsa", "display_name": "Python (cpsa)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


TITLE = "Fife CPP board self-assessment demo-2026"


def test_prepare_drops_parameter_cells_and_code_and_sets_front_matter() -> None:
    prepared = prepare(_executed_nb(), title=TITLE)
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
        prepare(_executed_nb(extra_outputs=[error]), title=TITLE)


def test_extract_images_writes_the_decoded_figure_with_plain_alt_text(tmp_path: Path) -> None:
    markdown, figures = extract_images(MARKDOWN, folder=tmp_path)
    assert [f.path.name for f in figures] == ["figure-1.svg"]
    assert figures[0].path.read_bytes() == SVG
    assert figures[0].alt == PLAIN_ALT
    assert "data:image" not in markdown and "(figure-1.svg)" in markdown


def test_html_is_self_contained_accessible_and_has_no_code() -> None:
    html = render_html(prepare(_executed_nb(), title=TITLE), banner="SYNTHETIC DEMONSTRATION DATA")
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
    prepared = prepare(_executed_nb(), title=TITLE)
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
    prepared = prepare(_executed_nb(), title=TITLE)
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
    executed.write_text(json.dumps(_executed_nb()))
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


def test_quarto_render_copy_has_front_matter_and_figure_files(tmp_path: Path) -> None:
    import json

    from cpsa.render.quarto import write_render_copy

    copy = write_render_copy(prepare(_executed_nb(), title=TITLE), workdir=tmp_path)
    nb = json.loads(copy.read_text())
    matter = yaml.safe_load(nb["cells"][0]["source"].strip("-\n"))
    assert matter["title"] == TITLE and matter["execute"]["echo"] is False
    assert (tmp_path / "figure-1-1.svg").read_bytes() == SVG
    assert "data:image" not in copy.read_text()


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed (not on PATH)")
def test_quarto_renders_html_and_pdf(tmp_path: Path) -> None:
    from cpsa.render.quarto import render_quarto

    html, pdf = render_quarto(prepare(_executed_nb(), title=TITLE), workdir=tmp_path)
    assert b"Theme profile" in html and b"data:image/svg+xml" in html
    assert b'lang="en-GB"' in html
    text, _ = _pdf_text(pdf)
    assert "12 of the 19 board members answered." in text


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


def _fake_quarto(folder: Path, *, fail: bool = False) -> Path:
    """A stand-in `quarto` that records its calls and writes what `quarto render` would."""
    folder.mkdir()
    script = folder / "quarto"
    body = (
        'echo "no typst for you" >&2; exit 1'
        if fail
        else (
            'stem="${2%.ipynb}"; case "$4" in html) ext=html;; typst) ext=pdf;; esac\n'
            'echo "fake $4 output of $2" > "$stem.$ext"'
        )
    )
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{folder}/calls.log"\n'
        'if [ "$1" = "--version" ]; then echo 1.6.40; exit 0; fi\n'
        f"{body}\n"
    )
    script.chmod(0o755)
    return folder


def test_quarto_is_called_on_the_render_copy_without_executing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cpsa.render import renderer_identity
    from cpsa.render.quarto import render_quarto

    bin_dir = _fake_quarto(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert choose_renderer({}) == "quarto"
    assert renderer_identity("quarto") == "quarto 1.6.40"
    work = tmp_path / "work"
    work.mkdir()
    html, pdf = render_quarto(prepare(_executed_nb(), title=TITLE), workdir=work)
    assert html == b"fake html output of report.ipynb\n"
    assert pdf == b"fake typst output of report.ipynb\n"
    calls = (bin_dir / "calls.log").read_text().splitlines()
    assert "render report.ipynb --to html --no-execute" in calls
    assert "render report.ipynb --to typst --no-execute" in calls


def test_a_quarto_failure_is_reported_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cpsa.render.quarto import QuartoError, render_quarto

    bin_dir = _fake_quarto(tmp_path / "bin", fail=True)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(QuartoError, match="no typst for you"):
        render_quarto(prepare(_executed_nb(), title=TITLE), workdir=work)
