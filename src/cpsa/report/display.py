"""Show a figure in a report notebook with its alt text and its data table, always together.

Accessibility cannot be forgotten: :func:`figure` refuses a chart without alt
text or without the data behind it. The result is one Markdown block (an SVG
image as a data URI, then a caption and a pipe table with a header row), which
is what both renderers read from the executed notebook (see
``docs/architecture.md``, "Notebook ⇄ renderer contract").
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpsa.report import md
from cpsa.report.charts import to_svg


def figure(
    fig: Figure,
    *,
    alt: str,
    data: pd.DataFrame,
    caption: str,
    align: Sequence[str] | None = None,
) -> Markdown:
    """``fig`` as an accessible report figure: the image, its alt text and its data table.

    ``alt`` states the chart's finding in words; ``data`` is the table a reader
    without the image needs (its columns become the header row); ``align`` gives
    'l' or 'r' per column (numbers right-aligned by default).
    """
    if data is None or data.empty:
        raise ValueError(f"figure {caption!r}: every chart needs its data table")
    if align is None:
        align = ["r" if pd.api.types.is_numeric_dtype(data[c]) else "l" for c in data.columns]
    rows = [[_cell(v) for v in row] for row in data.itertuples(index=False, name=None)]
    table = md.table([str(c) for c in data.columns], rows, align=align, caption=caption)
    return Markdown(md.join(md.figure(to_svg(fig), alt=alt), table))


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return str(value)
