"""Issue 16.13: formula injection neutralised in every CSV cpsa writes, reversibly."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpsa.tables import schema
from cpsa.tables.spreadsheet import neutralise_formula, restore_formula
from cpsa.tables.write import to_csv_bytes

RISKY = [
    "=cmd|'/c calc'!A1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\uff1d1+1",
    "\uff20SUM(A1)",
    "'=already quoted",
]
SAFE = ["plain text", "-5", "+0.25", "-1e-05", "3.5%", "", "'tis fine", "email me"]


@pytest.mark.parametrize("text", RISKY)
def test_formula_like_text_is_stored_as_text(text):
    assert neutralise_formula(text) == "'" + text
    assert restore_formula(neutralise_formula(text)) == text


@pytest.mark.parametrize("text", SAFE)
def test_plain_text_and_numbers_are_untouched(text):
    assert neutralise_formula(text) == text
    assert restore_formula(text) == text


@given(st.text(max_size=30))
def test_neutralise_then_restore_gives_the_text_back(text):
    assert restore_formula(neutralise_formula(text)) == text


def test_csv_writer_neutralises_text_columns_and_reader_restores(tmp_path):
    # (a bare CR never reaches a table: ingest turns it into a line break)
    texts = [t for t in RISKY if "\r" not in t] + SAFE[:1]
    df = pd.DataFrame({"text": texts, "n": range(len(texts))})
    data = to_csv_bytes(df)
    cells = [row[0] for row in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))][1:]
    assert all(c[:1] not in tuple("=+-@\t\r\uff1d\uff20") for c in cells), cells
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    decl = schema.Table(
        name="t",
        file="t.csv",
        row="one test string",
        meaning="test",
        columns=(schema.Column("text", "str", "", "text"), schema.Column("n", "int", "", "n")),
    )
    back = schema.read_csv(path, decl)
    assert list(back["text"]) == texts
    assert list(back["n"]) == list(range(len(texts)))
