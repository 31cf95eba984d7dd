"""cpsa.ooxml: Office files with every date fixed, so the same inputs give the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl

from cpsa import ooxml


def _workbook(created: datetime) -> bytes:
    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = created
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps the clock into the zip entries and "modified"
    return buf.getvalue()


def test_two_files_written_at_different_times_become_identical():
    when = datetime(2026, 3, 31)
    a = ooxml.fixed_dates(_workbook(datetime(2020, 1, 1)), when)
    b = ooxml.fixed_dates(_workbook(datetime(2024, 6, 1)), when)
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2026, 3, 31, 0, 0, 0)}
        core = z.read("docProps/core.xml")
    assert core.count(b"2026-03-31T00:00:00Z") == 2  # created and modified


def test_dates_before_1980_become_the_first_zip_date():
    data = ooxml.fixed_dates(_workbook(datetime(2020, 1, 1)), datetime(1970, 1, 1))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time[0] for i in z.infolist()} == {1980}
