"""What the report notebooks call: one object per report, one method per section.

``CppReport`` is the private report of one CPP board; ``NationalReport`` is the
national overview. Each section method returns ``IPython.display.Markdown``.
"""

from cpsa.report.cpp import CppReport
from cpsa.report.national import NationalReport

__all__ = ["CppReport", "NationalReport"]
