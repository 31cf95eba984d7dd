"""Issue 14: the Word copy of a report and the workshop slides (pandoc docx/pptx)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from pptx import Presentation

from cpsa.render import office
from cpsa.report import charts, md

ALT = "Dot chart: the board scores 60% on Leadership, below the rest of Scotland at 80%."


def _svg() -> bytes:
    # charts return Figures; the slides take SVG bytes
    return charts.to_svg(
        charts.interval_chart(
            [("This board", [charts.Estimate("Leadership", 60, 50, 70)])], xlabel="%"
        )
    )


@pytest.fixture(scope="module")
def report_md() -> str:
    return md.join(
        md.heading(2, "Summary"),
        md.paragraph("Twelve members answered."),
        md.heading(3, "Theme profile"),
        md.figure(_svg(), alt=ALT),
        md.table(["Theme", "This board"], [("Leadership", "60%")], align=["l", "r"]),
        md.heading(2, "Improvement planning"),
        md.table(["No.", "Statement", "Action"], [("1", "=SUM(A1)", "")]),
    )


@pytest.fixture(scope="module")
def docx_bytes(report_md) -> bytes:
    return office.markdown_to_docx(
        report_md, title="Fife CPP board self-assessment", subtitle="Confidential", timestamp=0
    )


def test_docx_has_heading_styles(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert ("Title", "Fife CPP board self-assessment") in styles
    assert ("Heading 2", "Summary") in styles
    assert ("Heading 3", "Theme profile") in styles


def test_docx_tables_have_header_rows(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    assert len(doc.tables) == 2
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert doc.tables[0].rows[0].cells[0].text == "Theme"
    assert doc.tables[1].rows[1].cells[1].text == "=SUM(A1)"  # text, not a field


def test_docx_images_are_png_with_alt_text(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    pics = doc.element.body.findall(".//" + qn("wp:docPr"))
    assert pics and all(p.get("descr") == ALT for p in pics)
    media = [p for p in doc.part.package.parts if "/media/" in str(p.partname)]
    assert media and all(p.content_type == "image/png" for p in media)


def test_docx_is_deterministic(report_md, docx_bytes):
    again = office.markdown_to_docx(
        report_md, title="Fife CPP board self-assessment", subtitle="Confidential", timestamp=0
    )
    assert again == docx_bytes


def test_pptx_slides_and_picture_alt_text():
    deck = md.join(
        "## Who took part",
        md.bullets(["12 members answered."]),
        "## Theme profile",
        "![](chart.png)",
        "::: notes\nSay what the chart shows.\n:::",
        "## Questions",
        "1. What would close the gap?",
    )
    data = office.markdown_to_pptx(
        deck,
        title="Fife CPP board: improvement workshop",
        images=[office.SlideImage("chart.png", _svg(), ALT)],
        timestamp=0,
    )
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == 4  # title slide + three
    pics = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pics) == 1
    assert pics[0]._element.nvPicPr.cNvPr.get("descr") == ALT
    notes = prs.slides[2].notes_slide.notes_text_frame.text
    assert "Say what the chart shows" in notes


def test_svg_to_png_keeps_order():
    pngs = office.svg_to_png([_svg(), _svg()])
    assert len(pngs) == 2 and all(p.startswith(b"\x89PNG") for p in pngs)
