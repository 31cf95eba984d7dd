"""What the report notebooks import.

The CPP report's narrative is ``notebooks/cpp_report.ipynb``: it reads its
numbers through :func:`cpsa.report.cpp.load`, words data-dependent sentences
with :mod:`cpsa.report.sentences`, draws with :mod:`cpsa.report.charts` and shows
each chart with :func:`cpsa.report.display.figure`. ``NationalReport`` is the
national overview (one method per section).
"""

from cpsa.report.national import NationalReport

__all__ = ["NationalReport"]
