"""Issue 6: charts are deterministic and accessible (contrast, not colour alone)."""

from __future__ import annotations

import pytest

from cpsa.report import charts


def _luminance(hex_colour: str) -> float:
    # WCAG 2.2 relative luminance, written out independently of the chart code
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21.0, abs=0.01)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("code", list(charts.PALETTE))
def test_palette_passes_wcag_contrast(code):
    colour = charts.PALETTE[code]
    assert contrast(colour, "#FFFFFF") >= 4.5  # white labels on bars; >= 3:1 vs the page


def test_strong_categories_are_hatched_not_only_coloured():
    assert charts.HATCHES["strongly_agree"] and charts.HATCHES["strongly_disagree"]
    assert charts.HATCHES["strongly_agree"] != charts.HATCHES["strongly_disagree"]
    assert charts.HATCHES["dont_know"]


ROWS = [charts.LikertRow("A statement", 3, 4, 2, 1, 2), charts.LikertRow("Another", 0, 5, 3, 0, 0)]


def test_charts_return_figures_an_analyst_can_adjust():
    fig = charts.interval_chart([("Board", [charts.Estimate("Leadership", 60, 40, 78)])])
    fig.axes[0].set_xlim(20, 90)  # e.g. zoom in, in the notebook, before showing it
    assert fig.axes[0].get_xlim() == (20, 90)
    assert b"<svg" in charts.to_svg(fig)


def test_charts_are_byte_for_byte_deterministic():
    svg = charts.to_svg
    assert svg(charts.likert_chart(ROWS)) == svg(charts.likert_chart(ROWS))
    est = [charts.Estimate("Leadership", 60, 40, 78)]
    a = svg(charts.interval_chart([("Board", est)]))
    assert a == svg(charts.interval_chart([("Board", est)]))
    assert b"<dc:date>" not in a and b"<svg" in a


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        charts.likert_chart([])
    with pytest.raises(ValueError, match="same labels"):
        charts.interval_chart([("a", [charts.Estimate("x", 1)]), ("b", [charts.Estimate("y", 1)])])
