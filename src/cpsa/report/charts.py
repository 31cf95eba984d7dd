"""CPP report charts: Likert bars and interval (theme profile) charts, as matplotlib Figures.

Each chart function returns a :class:`~matplotlib.figure.Figure` that a notebook
can adjust (titles, limits, annotations) before showing it with
:func:`cpsa.report.display.figure`, which embeds it as SVG (:func:`to_svg`) with
its alt text and its data table.

National charts are in :mod:`cpsa.report.national_charts`; no chart here draws one
point per CPP (issue 16: a distribution of CPPs is shown only as rounded quartiles).

Accessibility rules built in (WCAG 2.2 AA): a colour-blind-safe blue/orange
palette whose every colour has at least 3:1 contrast with the white page, and
no information carried by colour alone — the "strongly" categories are hatched,
segments carry their percentage as a direct label, and series are told apart
by marker shape as well as colour. Every chart is paired with a data table and
alt text by :func:`cpsa.report.display.figure`; this module only draws.

Output is byte-for-byte reproducible (fixed SVG hash salt, no date metadata),
so a rebuild of unchanged data gives unchanged reports. Matplotlib is used
through ``Figure`` objects (no pyplot global state) with the Agg backend.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (the backend must be chosen first)
from matplotlib.patches import Patch  # noqa: E402

# Blue (agree) / orange-brown (disagree) is safe for the common colour-vision
# deficiencies; each is dark enough for 3:1 against white (non-text contrast)
# and for white labels on top to reach 4.5:1.
PALETTE = {
    "strongly_agree": "#1B4F8A",
    "agree": "#2F6DB5",
    "disagree": "#B04A0C",
    "strongly_disagree": "#7A3104",
    "dont_know": "#5F5F5F",
}
HATCHES = {
    "strongly_agree": "///",
    "agree": "",
    "disagree": "",
    "strongly_disagree": "\\\\\\",
    "dont_know": "xx",
}
LABELS = {
    "strongly_agree": "Strongly agree",
    "agree": "Agree",
    "disagree": "Disagree",
    "strongly_disagree": "Strongly disagree",
    "dont_know": "Don't know",
}
# Two series in one chart: the report's subject and its comparison.
SUBJECT_COLOUR = "#1B4F8A"
COMPARISON_COLOUR = "#7A3104"
TEXT_COLOUR = "#1A1A1A"
GRID_COLOUR = "#C8C8C8"

_RC = {
    "svg.hashsalt": "cpsa",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "axes.edgecolor": "#4A4A4A",
    "hatch.color": "white",
    "hatch.linewidth": 0.8,
}


@dataclass(frozen=True)
class LikertRow:
    """Answer counts for one statement."""

    label: str
    strongly_agree: int
    agree: int
    disagree: int
    strongly_disagree: int
    dont_know: int

    @property
    def n_valid(self) -> int:
        return self.strongly_agree + self.agree + self.disagree + self.strongly_disagree

    @property
    def n_answered(self) -> int:
        return self.n_valid + self.dont_know

    def share(self, code: str) -> float:
        """% of valid answers giving ``code`` (of all answers for Don't know)."""
        n = self.n_answered if code == "dont_know" else self.n_valid
        return 100 * getattr(self, code) / n if n else 0.0


@dataclass(frozen=True)
class Estimate:
    """A percentage with its 95% interval (any part may be None when suppressed)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def _wrap(label: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(label, width=width)) or label


def to_svg(fig: Figure) -> bytes:
    """The figure as deterministic SVG (no date, fixed style), as every report embeds it."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buf.getvalue()


def _new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), dpi=100)


def likert_chart(rows: Sequence[LikertRow]) -> Figure:
    """Diverging stacked bars (disagree left, agree right) plus a separate Don't know panel.

    The diverging part is a share of valid answers (Don't know excluded, as in
    % positive); the Don't know panel is a share of everyone who answered.
    """
    if not rows:
        raise ValueError("likert_chart needs at least one statement")
    with matplotlib.rc_context(_RC):
        height = 1.2 + 0.55 * len(rows)
        fig = _new_figure(7.2, height)
        grid = fig.add_gridspec(1, 2, width_ratios=[5, 1.1], wspace=0.18)
        ax = fig.add_subplot(grid[0])
        ax_dk = fig.add_subplot(grid[1], sharey=ax)
        ys = list(range(len(rows)))[::-1]
        for y, row in zip(ys, rows, strict=True):
            n = row.n_valid
            share = {
                k: (100 * getattr(row, k) / n if n else 0.0)
                for k in ("strongly_agree", "agree", "disagree", "strongly_disagree")
            }
            segments = [
                ("disagree", -share["disagree"], share["disagree"]),
                ("strongly_disagree", -share["disagree"] - share["strongly_disagree"], None),
                ("agree", 0.0, share["agree"]),
                ("strongly_agree", share["agree"], share["strongly_agree"]),
            ]
            for code, left, width in segments:
                w = share[code] if width is None else width
                if w <= 0:
                    continue
                ax.barh(
                    y,
                    w,
                    left=left,
                    height=0.62,
                    color=PALETTE[code],
                    hatch=HATCHES[code],
                    edgecolor="white",
                    linewidth=0.8,
                )
                if w >= 12:  # direct label only where it fits
                    ax.text(
                        left + w / 2,
                        y,
                        f"{int(w + 0.5)}%",
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=8,
                        fontweight="bold",
                        bbox={"facecolor": PALETTE[code], "edgecolor": "none", "pad": 0.6},
                    )
            dk = 100 * row.dont_know / row.n_answered if row.n_answered else 0.0
            ax_dk.barh(
                y,
                dk,
                height=0.62,
                color=PALETTE["dont_know"],
                hatch=HATCHES["dont_know"],
                edgecolor="white",
                linewidth=0.8,
            )
            ax_dk.text(dk + 3, y, f"{int(dk + 0.5)}%", va="center", fontsize=8)
        ax.axvline(0, color=TEXT_COLOUR, linewidth=1)
        ax.set_xlim(-100, 100)
        ax.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"])
        ax.set_xlabel("Disagree  \u2190  share of members who gave a view  \u2192  Agree")
        ax.set_yticks(ys, [_wrap(r.label) for r in rows])
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.5)
        ax.set_axisbelow(True)
        ax_dk.set_xlim(0, 100)
        ax_dk.set_xticks([0, 50, 100], ["0", "50%", "100%"])
        ax_dk.set_title("Don't know", fontsize=9)
        ax_dk.tick_params(axis="y", left=False, labelleft=False)
        for a in (ax, ax_dk):
            a.spines[["top", "right"]].set_visible(False)
        handles = [
            Patch(facecolor=PALETTE[c], hatch=HATCHES[c], edgecolor="white", label=LABELS[c])
            for c in ("strongly_disagree", "disagree", "agree", "strongly_agree", "dont_know")
        ]
        fig.legend(
            handles=handles,
            loc="lower center",
            ncol=5,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
            fontsize=8,
            handlelength=2.2,
            handleheight=1.2,
        )
        return fig


def interval_chart(
    series: Sequence[tuple[str, Sequence[Estimate]]],
    *,
    xlabel: str = "% positive (with 95% interval)",
    xlim: tuple[float, float] = (0, 100),
) -> Figure:
    """Dots with interval whiskers, one row per label, one marker shape per series.

    ``series`` is [(series name, estimates)], every series giving the same
    labels in the same order. Shapes (circle, diamond, square, triangle) and
    a legend tell the series apart without relying on colour.
    """
    if not series or not series[0][1]:
        raise ValueError("interval_chart needs at least one series with one estimate")
    labels = [e.label for e in series[0][1]]
    for name, ests in series:
        if [e.label for e in ests] != labels:
            raise ValueError(f"series {name!r} does not give the same labels in the same order")
    styles = [
        ("o", SUBJECT_COLOUR, SUBJECT_COLOUR),
        ("D", COMPARISON_COLOUR, "white"),
        ("s", "#4A4A4A", "#4A4A4A"),
        ("^", "#2F6DB5", "white"),
        ("v", "#B04A0C", "#B04A0C"),
        ("P", "#5F5F5F", "white"),
    ]
    if len(series) > len(styles):
        raise ValueError(f"at most {len(styles)} series")
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 1.0 + 0.5 * len(labels) * (1 + 0.25 * (len(series) - 1)))
        ax = fig.add_subplot()
        ys = list(range(len(labels)))[::-1]
        k = len(series)
        offsets = [(i - (k - 1) / 2) * (0.6 / max(k, 1)) for i in range(k)]
        for (name, ests), (marker, colour, face), off in zip(series, styles, offsets, strict=False):
            xs, yy, lo, hi = [], [], [], []
            for y, e in zip(ys, ests, strict=True):
                if e.value is None:
                    continue
                xs.append(e.value)
                yy.append(y + off)
                lo.append(e.value - e.low if e.low is not None else 0)
                hi.append(e.high - e.value if e.high is not None else 0)
            ax.errorbar(
                xs,
                yy,
                xerr=[lo, hi],
                fmt=marker,
                color=colour,
                markerfacecolor=face,
                markeredgecolor=colour,
                markersize=7,
                elinewidth=1.4,
                capsize=3,
                label=name,
            )
        ax.set_yticks(ys, [_wrap(lab, 34) for lab in labels])
        ax.set_xlim(*xlim)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(
            loc="lower center",
            ncol=min(k, 4),
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
            fontsize=8,
        )
        return fig
