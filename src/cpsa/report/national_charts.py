"""The national overview's charts, as matplotlib Figures an analyst can adjust in the notebook.

Every function returns a :class:`matplotlib.figure.Figure`; the notebook shows it
with :func:`cpsa.report.display.figure` (alt text and data table included).

Legibility is built in and tested (tests/unit/report/test_national_charts.py):

- every figure is :data:`WIDTH` inches wide, narrower than the PDF's text width
  (A4 less 2 x 2.2 cm margins = 6.54 in), so the PDF shows it at 100% and
  :data:`FONT_SIZE` (9 pt) text stays 9 pt on paper;
- long statement or theme wording is wrapped and each row is as tall as its
  wrapped label, so labels never overlap whatever their length;
- a percentage is printed inside a bar segment only where it fits;
- no chart of variation between boards shows or labels a single CPP: it draws
  the 10th-90th percentile range, the quartiles and the median only (never the
  minimum or maximum).

Colours and hatching come from :mod:`cpsa.report.charts` (colour-blind safe, no
information by colour alone).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from cpsa.report.charts import (  # noqa: E402
    _RC,
    COMPARISON_COLOUR,
    GRID_COLOUR,
    HATCHES,
    LABELS,
    PALETTE,
    SUBJECT_COLOUR,
    TEXT_COLOUR,
    LikertRow,
)

WIDTH = 6.3  # inches; the PDF text width is 6.54 in, so figures are never scaled down
FONT_SIZE = 9  # points, every piece of chart text
LINE_HEIGHT = 0.16  # inches per wrapped line of 9 pt text (with leading)
LABEL_WIDTH = 30  # characters per line of a wrapped row label
RC = {
    **_RC,
    "font.size": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
}
LIKERT_ORDER = ("strongly_disagree", "disagree", "agree", "strongly_agree")


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """``label`` broken into lines of at most ``width`` characters (long words are split)."""
    return "\n".join(textwrap.wrap(str(label), width=width, break_long_words=True)) or str(label)


def _rows_layout(labels: Sequence[str], *, min_row: float = 0.36) -> tuple[list[float], float]:
    """Centre y of each row (top first) and the total height, each row as tall as its label."""
    heights = [max(min_row, LINE_HEIGHT * (lab.count("\n") + 1) + 0.14) for lab in labels]
    ys, top = [], 0.0
    for h in heights:
        ys.append(-(top + h / 2))
        top += h
    return ys, top


def _figure(height: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(WIDTH, height), dpi=100, layout="constrained")


def _points_per_unit(fig: Figure, ax, span: float) -> float:
    fig.draw_without_rendering()
    return ax.get_window_extent().width * 72 / fig.dpi / span


def _text_fits(text: str, width_pt: float) -> bool:
    return width_pt >= 0.62 * FONT_SIZE * len(text) + 3


def _style(ax) -> None:
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def likert(rows: Sequence[LikertRow]) -> Figure:
    """Diverging stacked bars (disagree left of 0, agree right) and a Don't know panel.

    Shares of the diverging part are of members who gave a view (Don't know
    excluded, as % positive is); the Don't know panel is a share of all who answered.
    """
    if not rows:
        raise ValueError("likert needs at least one statement")
    labels = [wrap(r.label) for r in rows]
    ys, body = _rows_layout(labels)
    with matplotlib.rc_context(RC):
        fig = _figure(body + 1.25)
        grid = fig.add_gridspec(1, 2, width_ratios=[4.2, 1.0])
        ax = fig.add_subplot(grid[0])
        ax_dk = fig.add_subplot(grid[1], sharey=ax)
        bar_h = 0.24
        for y, r in zip(ys, rows, strict=True):
            left_edge = -(r.share("disagree") + r.share("strongly_disagree"))
            starts = {
                "strongly_disagree": left_edge,
                "disagree": -r.share("disagree"),
                "agree": 0.0,
                "strongly_agree": r.share("agree"),
            }
            for code in LIKERT_ORDER:
                w = r.share(code)
                if w > 0:
                    ax.barh(
                        y,
                        w,
                        left=starts[code],
                        height=bar_h,
                        color=PALETTE[code],
                        hatch=HATCHES[code],
                        edgecolor="white",
                        linewidth=0.6,
                    )
            ax_dk.barh(
                y,
                r.share("dont_know"),
                height=bar_h,
                color=PALETTE["dont_know"],
                hatch=HATCHES["dont_know"],
                edgecolor="white",
                linewidth=0.6,
            )
        ax.axvline(0, color=TEXT_COLOUR, linewidth=1)
        ax.set_xlim(-100, 100)
        ax.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"])
        ax.set_xlabel("\u2190 Disagree     Agree \u2192\n% of members who gave a view")
        ax.set_yticks(ys, labels)
        ax.set_ylim(-body, 0)
        _style(ax)
        dk_max = max(r.share("dont_know") for r in rows)
        dk_lim = max(40.0, 10 * int(dk_max * 1.8 / 10 + 1))
        ax_dk.set_xlim(0, dk_lim)
        ax_dk.set_xticks([0, dk_lim / 2], ["0", f"{dk_lim / 2:.0f}%"])
        ax_dk.set_xlabel("Don't know")
        ax_dk.tick_params(axis="y", left=False, labelleft=False)
        _style(ax_dk)
        handles = [
            Patch(facecolor=PALETTE[c], hatch=HATCHES[c], edgecolor="white", label=LABELS[c])
            for c in (*LIKERT_ORDER, "dont_know")
        ]
        fig.legend(
            handles=handles,
            loc="outside upper center",
            ncol=3,
            frameon=False,
            handlelength=2.0,
            handleheight=1.1,
        )
        # direct labels only where they fit at 9 pt (measured after layout)
        pt = _points_per_unit(fig, ax, 200)
        pt_dk = _points_per_unit(fig, ax_dk, dk_lim)
        for y, r in zip(ys, rows, strict=True):
            neg = r.share("disagree") + r.share("strongly_disagree")
            pos = r.share("agree") + r.share("strongly_agree")
            for value, x, ha in ((pos, 0, "left"), (neg, 0, "right")):
                text = f"{value:.0f}%"
                if value > 0 and _text_fits(text, value * pt):
                    ax.text(
                        x + (1.5 if ha == "left" else -1.5),
                        y,
                        text,
                        ha=ha,
                        va="center",
                        color="white",
                        fontweight="bold",
                        bbox={
                            "facecolor": PALETTE["agree" if ha == "left" else "disagree"],
                            "edgecolor": "none",
                            "pad": 0.5,
                        },
                    )
            dk = r.share("dont_know")
            text = f"{dk:.0f}%"
            if _text_fits(text, (dk_lim - dk) * pt_dk - 2):
                ax_dk.text(dk + 2 / pt_dk, y, text, va="center")
        return fig


def variation(
    rows: Sequence[tuple[str, float, float, float]],
    *,
    scotland: Sequence[float | None] | None = None,
    xlabel: str = "Theme score of partnerships, %",
) -> Figure:
    """How partnerships spread on each theme, with no partnership shown on its own.

    ``rows`` are (label, q25, median, q75), the published rounded quartiles: a
    box over the middle half and a bar at the median; the optional ``scotland``
    diamond is the national figure. There is no way to pass a partnership's value.
    """
    if not rows:
        raise ValueError("variation needs at least one theme")
    labels = [wrap(r[0]) for r in rows]
    ys, body = _rows_layout(labels)
    with matplotlib.rc_context(RC):
        fig = _figure(body + 1.2)
        ax = fig.add_subplot()
        for y, (_, q25, med, q75) in zip(ys, rows, strict=True):
            ax.barh(
                y,
                q75 - q25,
                left=q25,
                height=0.2,
                color="#A9C4E4",
                edgecolor=SUBJECT_COLOUR,
                linewidth=1.0,
            )
            ax.plot([med, med], [y - 0.1, y + 0.1], color=TEXT_COLOUR, linewidth=2.2)
        handles = [
            Patch(
                facecolor="#A9C4E4", edgecolor=SUBJECT_COLOUR, label="Middle half of partnerships"
            ),
            Line2D([], [], color=TEXT_COLOUR, linewidth=2.2, label="Median"),
        ]
        if scotland is not None:
            pts = [(v, y) for v, y in zip(scotland, ys, strict=True) if v is not None]
            ax.scatter(
                [p[0] for p in pts],
                [p[1] for p in pts],
                marker="D",
                s=34,
                color="white",
                edgecolor=COMPARISON_COLOUR,
                linewidth=1.6,
                zorder=4,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="D",
                    linestyle="",
                    markerfacecolor="white",
                    markeredgecolor=COMPARISON_COLOUR,
                    markeredgewidth=1.6,
                    label="Scotland",
                )
            )
        ax.set_yticks(ys, labels)
        ax.set_ylim(-body, 0)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        _style(ax)
        fig.legend(handles=handles, loc="outside upper center", ncol=2, frameon=False)
        return fig


MARKERS = ("o", "s", "D", "^", "v", "P", "X", "h", "<", ">")
SERIES_COLOURS = (
    "#1B4F8A",
    "#B04A0C",
    "#4A4A4A",
    "#2F6DB5",
    "#7A3104",
    "#1B4F8A",
    "#B04A0C",
    "#4A4A4A",
    "#2F6DB5",
    "#7A3104",
)


def partner_types(
    themes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    xlabel: str = "Theme score, %",
) -> Figure:
    """Theme scores of each partner type: one row per theme, one marker shape per type.

    ``series`` is [(partner type, score per theme (None = not shown), direction per
    theme ('higher'/'lower'/''))]; a significant difference is a filled, larger marker.
    """
    if not themes or not series:
        raise ValueError("partner_types needs themes and at least one partner type")
    if len(series) > len(MARKERS):
        raise ValueError(f"at most {len(MARKERS)} partner types")
    labels = [wrap(t) for t in themes]
    ys, body = _rows_layout(labels, min_row=0.42)
    with matplotlib.rc_context(RC):
        fig = _figure(body + 0.9 + 0.22 * ((len(series) + 1) // 2 + 1))
        ax = fig.add_subplot()
        for y, _ in zip(ys, themes, strict=True):
            ax.axhline(y, color=GRID_COLOUR, linewidth=0.5, zorder=0)
        handles = []
        for i, (name, scores, dirs) in enumerate(series):
            marker, colour = MARKERS[i], SERIES_COLOURS[i]
            face = colour if i % 2 == 0 else "white"
            for y, v, d in zip(ys, scores, dirs, strict=True):
                if v is None:
                    continue
                sig = d in ("higher", "lower")
                ax.scatter(
                    [v],
                    [y],
                    marker=marker,
                    s=70 if sig else 30,
                    facecolor=colour if sig else face,
                    edgecolor=colour,
                    linewidth=1.8 if sig else 1.0,
                    zorder=3,
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    linestyle="",
                    markerfacecolor=face,
                    markeredgecolor=colour,
                    label=wrap(name, 28),
                )
            )
        ax.set_yticks(ys, labels)
        ax.set_ylim(-body, 0)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        _style(ax)
        fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
        return fig


def change(
    rows: Sequence[tuple[str, float | None, float | None, str]],
    *,
    before: str,
    after: str,
    xlabel: str = "Theme score, %",
) -> Figure:
    """Each theme's score in the baseline round (hollow) and now (filled), joined by a line.

    ``rows`` are (theme, baseline, current, direction); a clear change is drawn
    with an arrow and a thicker line.
    """
    if not rows:
        raise ValueError("change needs at least one theme")
    labels = [wrap(r[0]) for r in rows]
    ys, body = _rows_layout(labels)
    with matplotlib.rc_context(RC):
        fig = _figure(body + 1.15)
        ax = fig.add_subplot()
        for y, (_, b, c, d) in zip(ys, rows, strict=True):
            if b is None or c is None:
                continue
            sig = d in ("higher", "lower")
            ax.annotate(
                "",
                xy=(c, y),
                xytext=(b, y),
                arrowprops={
                    "arrowstyle": "-|>" if sig else "-",
                    "color": TEXT_COLOUR,
                    "linewidth": 2.0 if sig else 1.0,
                    "shrinkA": 4,
                    "shrinkB": 5,
                },
            )
            ax.scatter(
                [b],
                [y],
                marker="o",
                s=36,
                facecolor="white",
                edgecolor=COMPARISON_COLOUR,
                linewidth=1.6,
                zorder=3,
            )
            ax.scatter([c], [y], marker="o", s=36, color=SUBJECT_COLOUR, zorder=3)
        lows = [v for r in rows for v in r[1:3] if v is not None]
        lo = max(0, 10 * int(min(lows) / 10) - 10) if lows else 0
        ax.set_xlim(lo, 100)
        ax.set_yticks(ys, labels)
        ax.set_ylim(-body, 0)
        ax.set_xlabel(xlabel)
        _style(ax)
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor=COMPARISON_COLOUR,
                markeredgewidth=1.6,
                label=before,
            ),
            Line2D([], [], marker="o", linestyle="", color=SUBJECT_COLOUR, label=after),
            Line2D([], [], color=TEXT_COLOUR, linewidth=2.0, label="Clear change (arrow)"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncol=3, frameon=False)
        return fig


def bars(
    rows: Sequence[tuple[str, float]], *, xlabel: str, colour_key: str = "dont_know"
) -> Figure:
    """Horizontal bars with the value printed after each bar; labels wrapped, never overlapping."""
    if not rows:
        raise ValueError("bars needs at least one row")
    labels = [wrap(r[0], 36) for r in rows]
    ys, body = _rows_layout(labels)
    top = max(v for _, v in rows)
    lim = min(100.0, max(10.0, 10 * int(top * 1.3 / 10 + 1)))
    with matplotlib.rc_context(RC):
        fig = _figure(body + 0.75)
        ax = fig.add_subplot()
        for y, (_, v) in zip(ys, rows, strict=True):
            ax.barh(
                y,
                v,
                height=0.24,
                color=PALETTE[colour_key],
                hatch=HATCHES[colour_key],
                edgecolor="white",
                linewidth=0.6,
            )
        ax.set_yticks(ys, labels)
        ax.set_ylim(-body, 0)
        ax.set_xlim(0, lim)
        ax.set_xlabel(xlabel)
        _style(ax)
        pt = _points_per_unit(fig, ax, lim)
        for y, (_, v) in zip(ys, rows, strict=True):
            ax.text(v + 2 / pt, y, f"{v:.0f}%", va="center")
        return fig
