"""cpsa.tables.schema: one declaration per table, checked on write and on read; docs generated."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import REPO

from cpsa.errors import SchemaError
from cpsa.tables import schema
from cpsa.tables.write import to_csv_bytes

# /work/shared/interface.md: the public columns of the two documented tables
INTERFACE = {
    "cpp_items": ["cpp", "item", "n_valid", "n_positive", "n_dont_know", "pct_positive",
                  "ci_low", "ci_high", "rest_n_valid", "rest_n_positive", "p_value",
                  "q_value", "suppressed"],
    "national_items": ["item", "n_valid", "n_positive", "n_dont_know", "pct_positive",
                       "ci_low", "ci_high"],
}  # fmt: skip


def test_docs_tables_md_is_generated_from_the_schema():
    committed = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == schema.markdown(), (
        "docs/tables.md is stale: run `.venv/bin/python -m cpsa.tables.schema > docs/tables.md`"
    )


def test_interface_columns_are_declared_first_and_in_order():
    for name, cols in INTERFACE.items():
        assert list(schema.table(name).names[: len(cols)]) == cols


def test_every_column_has_a_type_unit_and_meaning():
    for t in [*schema.TABLES.values(), *schema.BUNDLE.values()]:
        assert len(set(t.names)) == len(t.names), t.name
        for c in t.columns:
            assert c.dtype in schema.DTYPES and c.meaning, (t.name, c.name)
    assert "share of agreement" in schema.table("cpp_themes").column("score").meaning


def _frame(name: str) -> pd.DataFrame:
    t = schema.table(name)
    values = {"str": "x", "int": 1, "float": 1.5, "bool": True}
    return pd.DataFrame({c.name: [values[c.dtype]] for c in t.columns})


def test_check_frame_names_the_table_and_the_column():
    schema.check_frame(_frame("cpp_themes"), "cpp_themes")
    with pytest.raises(SchemaError, match=r"cpp_themes.*missing column\(s\) \['rest_ci_low'\]"):
        schema.check_frame(_frame("cpp_themes").drop(columns="rest_ci_low"), "cpp_themes")
    with pytest.raises(SchemaError, match=r"undeclared column\(s\) \['diff'\]"):
        schema.check_frame(_frame("cpp_themes").assign(diff=1.0), "cpp_themes")
    bad = _frame("by_cpp/items").assign(n_valid="ten")
    with pytest.raises(SchemaError, match="by_cpp/items, column n_valid: expected int"):
        schema.check_frame(bad, "by_cpp/items")
    with pytest.raises(SchemaError, match="no table 'cpp_thmes'"):
        schema.table("cpp_thmes")


def test_summary_keys_are_checked():
    short = {k.name: None for k in schema.SUMMARY.keys if k.always}
    short.update(report_allowed=False)
    with pytest.raises(SchemaError, match="should be str"):
        schema.check_summary(short)
    with pytest.raises(SchemaError, match=r"undeclared key\(s\) \['partner_types'\]"):
        schema.check_summary({**short, "partner_types": []})


def test_reader_refuses_a_table_written_by_another_version(tmp_path):
    path = tmp_path / "themes.csv"
    _frame("by_cpp/themes").drop(columns=["rest_ci_low", "rest_ci_high"]).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"re-run `cpsa tables.*Missing: \['rest_ci_low'"):
        schema.read_csv(path, "by_cpp/themes")
    path.write_bytes(to_csv_bytes(_frame("by_cpp/themes")))
    df = schema.read_csv(path, "by_cpp/themes")
    assert df["suppressed"].dtype == bool and str(df["n_respondents"].dtype) == "Int64"
    (tmp_path / "summary.json").write_text(json.dumps({"cpp": "x"}))
    with pytest.raises(SchemaError, match="missing key"):
        schema.read_summary(tmp_path / "summary.json")
