"""National charts: at most the PDF text width (so 9 pt stays 9 pt), every text >= 9 pt, and
no two pieces of text overlap, whatever the length of the statement wording."""

from __future__ import annotations

import re

import pytest
from matplotlib.text import Text

from cpsa.report import national_charts as nc
from cpsa.report.charts import LikertRow, to_svg

# A4 (595.3 pt) less the template's 2 x 2.2 cm margins: the PDF's text width in points
TEXT_WIDTH_PT = 595.28 - 2 * 2.2 / 2.54 * 72
LONG = "Partners share data about the people and places they serve " * 4


def _charts():
    rows = [
        LikertRow("Short", 10, 20, 5, 1, 3),
        LikertRow(LONG, 50, 60, 20, 10, 30),
        LikertRow("A" * 120, 5, 5, 40, 40, 2),  # one unbreakable word
        LikertRow("Nobody gave a view", 0, 0, 0, 0, 7),
    ]
    return {
        "likert": nc.likert(rows),
        "variation": nc.variation(
            [("Theme one", 65, 70, 75), (LONG, 55, 60, 70)], scotland=[70, None]
        ),
        "partner_types": nc.partner_types(
            ["Leadership", LONG],
            [(f"Partner type {i} with a long name", [60 + i, 70 - i], ["", "higher"])
             for i in range(8)],
        ),
        "change": nc.change(
            [("Leadership", 70, 75, "higher"), (LONG, 60, 58, "")], before="2024", after="2026"
        ),
        "bars": nc.bars([(LONG, 20.5), ("Short", 3.0), ("Mid length statement", 45.0)],
                        xlabel="% Don't know"),
    }  # fmt: skip


@pytest.fixture(scope="module")
def charts():
    return _charts()


@pytest.mark.parametrize("name", ["likert", "variation", "partner_types", "change", "bars"])
def test_chart_fits_the_pdf_text_width(charts, name):
    svg = to_svg(charts[name]).decode()
    width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg).group(1))
    assert width <= TEXT_WIDTH_PT, f"{name} is {width:.0f} pt wide: the PDF would shrink its text"


def _texts(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and t.get_window_extent(renderer).width > 0:
            out.append((t, t.get_window_extent(renderer)))
    return out


@pytest.mark.parametrize("name", ["likert", "variation", "partner_types", "change", "bars"])
def test_every_chart_text_is_at_least_9_pt(charts, name):
    small = [(t.get_text(), t.get_fontsize()) for t, _ in _texts(charts[name])]
    small = [s for s in small if s[1] < 9]
    assert not small, f"{name}: text under 9 pt: {small}"


@pytest.mark.parametrize("name", ["likert", "variation", "partner_types", "change", "bars"])
def test_no_two_chart_texts_overlap(charts, name):
    texts = _texts(charts[name])
    for i, (a, ba) in enumerate(texts):
        for b, bb in texts[i + 1 :]:
            if ba.overlaps(bb):
                inter_w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
                inter_h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
                assert inter_w < 1 or inter_h < 1, (
                    f"{name}: {a.get_text()[:30]!r} overlaps {b.get_text()[:30]!r}"
                )


def test_variation_chart_draws_no_single_partnership():
    # the function takes the rounded quartiles only: there is no way to pass a partnership's value
    fig = nc.variation([("Theme", 20, 30, 40)])
    xs = sorted({round(x, 6) for line in fig.axes[0].lines for x in line.get_xdata()})
    assert xs == [30]  # the median only; no min, max, percentile line or dot per partnership
    assert not fig.axes[0].collections  # no scatter of partnerships
