"""The Quarto route: the render copy handed to Quarto, and how `quarto render` is run.

Quarto cannot be installed here, so the copy is checked against the rules
Quarto's own source applies (ported below, with the file they come from), and
`quarto render` is replaced by a script that records its command line, working
folder and environment. The last test runs the real Quarto where it is
installed and compares its output with the built-in renderer's.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from helpers.render_fixture import MARKDOWN, PLAIN_ALT, SVG, TITLE, executed_nb
from pypdf import PdfReader

from cpsa.render import choose_renderer, render_report, renderer_identity
from cpsa.render.document import DocumentSettings, banner_html, pandoc_template_text, typst_show
from cpsa.render.html import render_html
from cpsa.render.pdf import typst_document
from cpsa.render.prepare import prepare
from cpsa.render.quarto import (
    QuartoError,
    quarto_command,
    quarto_metadata,
    render_quarto,
    write_render_copy,
)
from cpsa.templates import TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
BANNER = "SYNTHETIC DEMONSTRATION DATA"
SUBTITLE = "National Community Planning Self-Assessment 2026. Confidential to the board."
EPOCH = 1767225600  # 2026-01-01, the round's date


def _settings(prepared, **kw) -> DocumentSettings:
    return prepared.settings(subtitle=SUBTITLE, banner=BANNER, timestamp=EPOCH, **kw)


def _copy(tmp_path: Path, nb: dict | None = None) -> tuple[dict, Path, DocumentSettings]:
    prepared = prepare(nb or executed_nb(), title=TITLE)
    settings = _settings(prepared)
    target = write_render_copy(prepared, workdir=tmp_path, settings=settings)
    return json.loads(target.read_text(encoding="utf-8")), target, settings


# --- Quarto's rules for front matter, ported from its source -----------------------------
# src/core/yaml.ts, partitionYamlFrontMatter: the first line is `---`, the second is neither
# blank nor a delimiter, and a later line closes the block (`---` or `...`).
_BEGIN = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(?:---|\.\.\.)([ \t]*)$")
# src/core/yaml.ts, readYamlFromMarkdown: every such block anywhere in the markdown of the
# notebook's markdown and raw cells is read as YAML (and must parse)
_YAML_BLOCK = re.compile(
    r"(^)(---[ \t]*[\r\n]+(?![ \t]*[\r\n]+)[\W\w]*?[\r\n]+(?:---|\.\.\.))([ \t]*)$", re.M
)


def _quarto_front_matter(markdown: str) -> str | None:
    lines = markdown.lstrip().splitlines()
    if len(lines) < 3 or not _BEGIN.match(lines[0]):
        return None
    if not lines[1].strip() or _END.match(lines[1]):
        return None
    ends = [i for i, line in enumerate(lines) if i > 0 and _END.match(line)]
    return "\n".join(lines[: ends[0] + 1]) if ends else None


def _cells_markdown(nb: dict) -> str:
    # src/core/jupyter/jupyter-filters.ts, markdownFromNotebookJSON: "\n" + source + "\n"
    # for every markdown and raw cell, sources joined as lists of lines (`source.join("")`)
    return "".join(
        "\n" + "".join(c["source"]) + "\n" for c in nb["cells"] if c["cell_type"] != "code"
    )


def test_the_copy_opens_with_front_matter_quarto_recognises(tmp_path: Path) -> None:
    nb, _, _ = _copy(tmp_path)
    first = nb["cells"][0]
    assert first["cell_type"] == "raw"
    # a raw cell with a MIME type would become a raw HTML/LaTeX block, not front matter
    assert not {"raw_mimetype", "format"} & set(first["metadata"])
    # every multi-line field is a list of lines, as Quarto's reader assumes
    for cell in nb["cells"]:
        assert isinstance(cell["source"], list)
        assert all(isinstance(line, str) for line in cell["source"])
        for output in cell.get("outputs", []):
            for value in output.get("data", {}).values():
                assert isinstance(value, list | dict)
    block = _quarto_front_matter("".join(first["source"]))
    assert block is not None
    # ... and it is the only block Quarto's metadata reader finds in the copy
    blocks = [m.group(2) for m in _YAML_BLOCK.finditer(_cells_markdown(nb))]
    assert blocks == [block]
    # src/core/jupyter/jupyter.ts, jupyterFromJSON: the notebook must name its language
    assert nb["metadata"]["kernelspec"]["language"] == "python"


def test_the_front_matter_carries_every_setting(tmp_path: Path) -> None:
    nb, _, settings = _copy(tmp_path)
    matter = yaml.safe_load("".join(nb["cells"][0]["source"]).strip().strip("-"))
    assert matter["title"] == TITLE and matter["subtitle"] == SUBTITLE
    assert matter["lang"] == "en-GB"
    assert matter["execute"] == {"echo": False, "enabled": False}
    html, typst = matter["format"]["html"], matter["format"]["typst"]
    assert html["embed-resources"] is True
    assert html["format-links"] is False  # no "Other Formats" box linking to report.pdf
    assert html["include-before-body"] == ["banner.html"]
    assert html["toc"] is True and typst["toc"] is True
    assert html["toc-depth"] == typst["toc-depth"] == settings.toc_depth == 2
    assert html["toc-title"] == typst["toc-title"] == "Contents"
    assert typst["papersize"] == matter["papersize"] == "a4"
    assert typst["template-partials"] == ["typst-template.typ", "typst-show.typ"]
    # the notebook's own front matter never reaches the text
    text = "".join("".join(c["source"]) for c in nb["cells"][1:])
    assert "Template title" not in text and "format-links" not in text


def _subset(small: object, big: object, where: str = "") -> list[str]:
    if isinstance(small, dict):
        if not isinstance(big, dict):
            return [where]
        return [p for k, v in small.items() for p in _subset(v, big.get(k), f"{where}.{k}")]
    return [] if small == big else [f"{where}: {small!r} != {big!r}"]


def test_every_setting_of_the_projects_quarto_yml_is_in_the_copy(tmp_path: Path) -> None:
    """The copy renders the same wherever it lives: _quarto.yml adds nothing to it."""
    project = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    project.pop("project")
    nb, _, _ = _copy(tmp_path)
    matter = yaml.safe_load("".join(nb["cells"][0]["source"]).strip().strip("-"))
    assert _subset(project, matter) == []
    # the render folder is its own project: Quarto stops its upward search there
    assert yaml.safe_load((tmp_path / "_quarto.yml").read_text()) == {
        "project": {"type": "default"}
    }


def test_every_figure_is_written_with_its_alt_text_for_both_outputs(tmp_path: Path) -> None:
    nb, target, _ = _copy(tmp_path)
    text = "".join("".join(o["data"]["text/markdown"]) for o in nb["cells"][-1]["outputs"])
    uri = f"data:image/svg+xml;base64,{base64.b64encode(SVG).decode()}"
    # HTML: the same <img alt src> as the built-in HTML, as a raw block for HTML only
    html_block = re.search(r"```\{=html\}\n(.*?)\n```", text, re.S)
    assert html_block
    img = html_block.group(1)
    assert f'alt="{PLAIN_ALT}"' in img and f'src="{uri}"' in img
    # Typst: the built-in PDF's figure call on the extracted file, for Typst only
    typst_block = re.search(r"```\{=typst\}\n(.*?)\n```", text, re.S)
    assert typst_block
    assert typst_block.group(1) == f'#figure(image("figure-1-1.svg", alt: "{PLAIN_ALT}"))'
    assert (tmp_path / "figure-1-1.svg").read_bytes() == SVG
    # no Markdown image is left for Quarto to turn into a captioned figure without alt
    assert "![" not in target.read_text()
    # the data table under the figure is still its own block
    assert "\n\n| Theme | This board | Rest of Scotland |" in text


def test_typst_partials_are_the_built_in_template_and_show_rule(tmp_path: Path) -> None:
    _, _, settings = _copy(tmp_path)
    template = (TEMPLATES / "cpsa-report.typ").read_text()
    assert (tmp_path / "typst-template.typ").read_text() == pandoc_template_text(template)
    show = (tmp_path / "typst-show.typ").read_text()
    assert show == pandoc_template_text(typst_show(settings))
    # the very line the built-in PDF's main file uses
    assert typst_show(settings) in typst_document("body", settings=settings)
    for part in ('paper: "a4"', f'banner: "{BANNER}"', 'lang: "en", region: "GB"', "toc: true"):
        assert part in show
    assert (tmp_path / "banner.html").read_text() == banner_html(BANNER)


def test_pandoc_template_text_escapes_dollars(tmp_path: Path) -> None:
    prepared = prepare(executed_nb(), title="Costs in $ and £")
    settings = prepared.settings(timestamp=EPOCH)
    write_render_copy(prepared, workdir=tmp_path, settings=settings)
    assert '"Costs in $$ and £"' in (tmp_path / "typst-show.typ").read_text()
    assert not (tmp_path / "banner.html").exists()
    nb = json.loads((tmp_path / "report.ipynb").read_text())
    assert "include-before-body" not in "".join(nb["cells"][0]["source"])


def test_metadata_keeps_the_notebooks_other_keys_but_not_its_settings() -> None:
    settings = DocumentSettings(title="T", toc=False)
    matter = quarto_metadata(
        settings,
        {"title": "old", "author": "IS", "format": {"html": {"toc": True, "theme": "cosmo"}}},
    )
    assert matter["title"] == "T" and matter["author"] == "IS"
    assert matter["format"]["html"]["theme"] == "cosmo"
    assert matter["format"]["html"]["toc"] is False and matter["toc"] is False


# --- the command line, folder and environment of `quarto render` ------------------------


def _fake_quarto(folder: Path, *, fail: bool = False) -> Path:
    """A stand-in `quarto` recording argv, cwd and SOURCE_DATE_EPOCH, writing its output."""
    folder.mkdir()
    script = folder / "quarto"
    body = (
        'echo "no typst for you" >&2; exit 1'
        if fail
        else textwrap.dedent(
            """\
            stem="${2%.ipynb}"; case "$4" in html) ext=html;; typst) ext=pdf;; esac
            echo "fake $4 output of $2" > "$stem.$ext"
            """
        )
    )
    script.write_text(
        "#!/bin/sh\n"
        f'log="{folder}/calls.jsonl"\n'
        'if [ "$1" = "--version" ]; then echo 1.10.18; exit 0; fi\n'
        # one JSON line per call: argv, cwd, the date and the files Quarto is handed
        'printf \'{"argv": "%s", "cwd": "%s", "epoch": "%s", "files": "%s"}\\n\' '
        '"$*" "$(pwd)" "${SOURCE_DATE_EPOCH-unset}" "$(ls | tr \'\\n\' \' \')" >> "$log"\n'
        f"{body}\n"
    )
    script.chmod(0o755)
    return folder


def _calls(bin_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (bin_dir / "calls.jsonl").read_text().splitlines()]


def test_quarto_render_is_run_in_the_copys_folder_with_the_reports_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = _fake_quarto(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "12345")  # the clock's or CI's: never used
    assert choose_renderer({}) == "quarto"
    assert renderer_identity("quarto") == "quarto 1.10.18"
    work = tmp_path / "work"
    work.mkdir()
    prepared = prepare(executed_nb(), title=TITLE)
    html, pdf = render_quarto(prepared, workdir=work, settings=_settings(prepared))
    assert html == b"fake html output of report.ipynb\n"
    assert pdf == b"fake typst output of report.ipynb\n"
    calls = _calls(bin_dir)
    assert [c["argv"] for c in calls] == [
        "render report.ipynb --to html --no-execute",
        "render report.ipynb --to typst --no-execute",
    ]
    assert quarto_command("quarto", work / "report.ipynb", "typst") == [
        "quarto",
        "render",
        "report.ipynb",
        "--to",
        "typst",
        "--no-execute",
    ]
    for call in calls:
        assert Path(call["cwd"]).resolve() == work.resolve()
        assert call["epoch"] == str(EPOCH)
        files = call["files"].split()
        for name in ("report.ipynb", "_quarto.yml", "typst-template.typ", "typst-show.typ"):
            assert name in files
        assert "banner.html" in files and "figure-1-1.svg" in files


def test_render_report_with_quarto_writes_both_files_and_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = _fake_quarto(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    executed = tmp_path / "fife.ipynb"
    executed.write_text(json.dumps(executed_nb()))
    out = tmp_path / "reports"
    out.mkdir()
    result = render_report(
        executed,
        html_target=out / "fife.html",
        pdf_target=out / "fife.pdf",
        title=TITLE,
        banner=BANNER,
        timestamp=EPOCH,
        renderer="quarto",
    )
    assert result.renderer == "quarto"
    assert sorted(p.name for p in out.iterdir()) == ["fife.html", "fife.pdf"]
    (call,) = [c for c in _calls(bin_dir) if "--to typst" in c["argv"]]
    assert call["epoch"] == str(EPOCH)


def test_a_quarto_failure_is_reported_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = _fake_quarto(tmp_path / "bin", fail=True)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(QuartoError, match="no typst for you"):
        render_quarto(prepare(executed_nb(), title=TITLE), workdir=work)


# --- the real Quarto, where it is installed ---------------------------------------------


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _h2_sections(html: str) -> list[str]:
    html = re.sub(r'<nav[^>]*id="TOC".*?</nav>', " ", html, flags=re.S)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip()
        for m in re.findall(r"<h2\b[^>]*>(.*?)</h2>", html, re.S)
    ]


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed (not on PATH)")
def test_real_quarto_draws_the_same_report_as_the_built_in_renderer(tmp_path: Path) -> None:
    nb = executed_nb(MARKDOWN + "\n## Second section\n\nMore text.\n")
    prepared = prepare(nb, title=TITLE)
    settings = _settings(prepared)
    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        runs.append(render_quarto(prepared, workdir=tmp_path / name, settings=settings))
    (html_bytes, pdf), second = runs
    # identical bytes on a second render (SOURCE_DATE_EPOCH, not the clock)
    assert second == (html_bytes, pdf)
    html = html_bytes.decode("utf-8")
    builtin = render_html(prepared, settings=settings)
    # same sections, in the same order
    assert _h2_sections(html) == _h2_sections(builtin) == ["Theme profile", "Second section"]
    text = _visible_text(html)
    # no front matter in the text
    for leak in ("format-links", "embed-resources", "papersize", "execute:", "—title"):
        assert leak not in text
    assert 'lang="en-GB"' in html and TITLE in text and SUBTITLE in text
    assert BANNER in text.split(TITLE)[0], "the banner comes before the title"
    assert "Other Formats" not in text and 'href="report.pdf"' not in html
    # alt text on every image
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert imgs and all(re.search(r'\salt="[^"]+"', i) for i in imgs)
    assert PLAIN_ALT in html
    # the PDF: A4, the banner on every page, the title, contents and page numbers
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1
        assert BANNER in page.extract_text()
    first = reader.pages[0].extract_text()
    assert "Contents" in first and "Theme profile" in first and "Page" not in first
    assert "Page 2 of" in reader.pages[1].extract_text()
    pdf_text = "\n".join(p.extract_text() for p in reader.pages)
    for leak in ("format-links", "papersize", "execute:"):
        assert leak not in pdf_text
