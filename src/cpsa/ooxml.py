"""Office files (XLSX, DOCX, PPTX) made byte-for-byte reproducible.

openpyxl, pandoc and python-docx stamp the clock into an Office file twice: in
``docProps/core.xml`` (created / modified) and in every zip entry's date. The
workbook, the Word report, the slides and the release workbook all go through
:func:`fixed_dates`, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def fixed_dates(data: bytes, when: datetime) -> bytes:
    """``data`` (an Office zip) with every date set to ``when`` and a fixed part order."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    zip_time = (max(when.year, 1980), when.month, when.day, 0, 0, 0)  # zip dates start in 1980
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: _part_order(i.filename)):
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=zip_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def _part_order(name: str) -> tuple[int, str]:
    # [Content_Types].xml must stay first for some readers
    return (0 if name == "[Content_Types].xml" else 1, name)
