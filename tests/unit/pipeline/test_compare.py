"""cpsa.pipeline.compare finds every difference between published and re-executed outputs."""

from __future__ import annotations

import json
from pathlib import Path

from cpsa.pipeline.compare import compare_notebooks, compare_tables


def _nb(*outputs: str, provenance: str = "| cpsa code version (git commit) | abc |") -> dict:
    cells = [
        {
            "cell_type": "code",
            "metadata": {"tags": ["injected-parameters"]},
            "source": "x=1",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "ignored"}],
        },
    ]
    for text in (*outputs, provenance):
        cells.append(
            {
                "cell_type": "code",
                "metadata": {"execution": {"iopub.execute_input": "2026"}},
                "source": "r.x()",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/markdown": text, "text/plain": "<Markdown>"},
                    }
                ],
            }
        )
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _write(path: Path, nb: dict) -> Path:
    path.write_text(json.dumps(nb))
    return path


def test_identical_notebooks_have_no_differences(tmp_path):
    a = _write(tmp_path / "a.ipynb", _nb("62% positive"))
    b = _write(tmp_path / "b.ipynb", _nb("62% positive"))
    assert compare_notebooks(a, b) == []


def test_a_changed_number_is_reported_with_a_readable_diff(tmp_path):
    a = _write(tmp_path / "a.ipynb", _nb("Governance: 62% positive"))
    b = _write(tmp_path / "b.ipynb", _nb("Governance: 63% positive"))
    (d,) = compare_notebooks(a, b)
    assert not d.informational
    assert "-Governance: 62% positive" in d.detail and "+Governance: 63% positive" in d.detail
    assert "cell 1" in d.where


def test_a_different_commit_in_provenance_is_informational_only(tmp_path):
    a = _write(
        tmp_path / "a.ipynb", _nb("same", provenance="| cpsa code version (git commit) | a |")
    )
    b = _write(
        tmp_path / "b.ipynb", _nb("same", provenance="| cpsa code version (git commit) | b |")
    )
    (d,) = compare_notebooks(a, b)
    assert d.informational


def test_injected_parameters_and_timings_are_ignored(tmp_path):
    nb = _nb("same")
    other = json.loads(json.dumps(nb))
    other["cells"][0]["outputs"][0]["text"] = "different"
    other["cells"][1]["metadata"]["execution"] = {"iopub.execute_input": "2027"}
    assert (
        compare_notebooks(_write(tmp_path / "a.ipynb", nb), _write(tmp_path / "b.ipynb", other))
        == []
    )


def test_tables_compare_cell_by_cell_and_by_presence(tmp_path):
    pub, new = tmp_path / "pub", tmp_path / "new"
    for d in (pub, new):
        (d / "by_cpp" / "fife").mkdir(parents=True)
    (pub / "cpp_items.csv").write_text("cpp,item,pct_positive\nfife,GOV01,62.5\n")
    (new / "cpp_items.csv").write_text("cpp,item,pct_positive\nfife,GOV01,62.6\n")
    (pub / "by_cpp" / "fife" / "items.csv").write_text("x\n")
    (new / "extra.csv").write_text("x\n")
    diffs = {d.where: d.detail for d in compare_tables(pub, new)}
    assert "+fife,GOV01,62.6" in diffs["cpp_items.csv"]
    assert "not produced" in diffs["by_cpp/fife/items.csv"]
    assert "not published" in diffs["extra.csv"]
    only = compare_tables(pub, new, only=["by_cpp/fife"])
    assert [d.where for d in only] == ["by_cpp/fife/items.csv"]
