"""The scale benchmark's synthetic rounds: valid exports, and parsed exactly as a plain reshape.

``generate_scale_export`` must produce what the survey tool produces (the real
validator accepts it), with the requested size. The parsed responses are compared
with an independent reshape of the generated grid (pandas melt + label lookup),
which also pins the column-wise ``validate._tidy`` written for large rounds.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from helpers import REPO

sys.path.insert(0, str(REPO))  # benchmarks/ is not installed

from benchmarks import scale  # noqa: E402
from cpsa.config import ROUND_NAME  # noqa: E402
from cpsa.data import demo  # noqa: E402
from cpsa.data.codebook import load_codebook  # noqa: E402
from cpsa.data.exports import CPP_COLUMN, ID_COLUMN, PARTNER_COLUMN  # noqa: E402
from cpsa.data.reference import load_reference  # noqa: E402
from cpsa.data.validate import check_export  # noqa: E402

N_CPPS, PER_CPP = 6, 40


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    frame = demo.generate_scale_export(n_cpps=N_CPPS, per_cpp=PER_CPP, seed=7)
    path = tmp_path_factory.mktemp("scale") / "export.csv"
    path.write_bytes(demo.export_csv_bytes(frame))
    ref = load_reference()
    slugs = tuple(sorted(ref.cpps["slug"])[:N_CPPS])
    v = check_export(
        path, codebook=load_codebook(demo.CODEBOOK), reference=ref, round_cpps=slugs,
        round_name="2099-test",
    )  # fmt: skip
    return frame, v, slugs


def test_scale_export_is_valid_and_sized(generated):
    frame, v, slugs = generated
    assert v.report.ok, v.report.format()
    assert len(frame) == N_CPPS * PER_CPP
    counts = v.parsed.respondents["cpp"].value_counts()
    assert counts.to_dict() == dict.fromkeys(slugs, PER_CPP)
    assert frame[ID_COLUMN].is_unique


def test_scale_export_is_deterministic_and_seeded():
    a = demo.generate_scale_export(n_cpps=2, per_cpp=10, seed=1)
    b = demo.generate_scale_export(n_cpps=2, per_cpp=10, seed=1)
    c = demo.generate_scale_export(n_cpps=2, per_cpp=10, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    with pytest.raises(ValueError, match="n_cpps"):
        demo.generate_scale_export(n_cpps=33, per_cpp=10)


def test_parsed_responses_equal_an_independent_reshape(generated):
    frame, v, _ = generated
    cb = load_codebook(demo.CODEBOOK)
    ref = load_reference()
    code_of = {o.label: o.code for o in cb.scale}
    item_of = {st.text: st.id for st in cb.statements}
    long = frame.melt(
        id_vars=[ID_COLUMN, CPP_COLUMN, PARTNER_COLUMN],
        value_vars=list(item_of), var_name="text", value_name="label",
    )  # fmt: skip
    expected = pd.DataFrame(
        {
            "respondent_id": long[ID_COLUMN],
            "cpp": long[CPP_COLUMN].map(ref.match_cpp),
            "item": long["text"].map(item_of),
            "response": long["label"].map(code_of),  # "" (blank) maps to NaN
        }
    ).sort_values(["cpp", "respondent_id", "item"], ignore_index=True)
    got = v.parsed.responses
    assert list(got.columns) == [
        "respondent_id", "cpp", "partner_type", "theme", "item", "response", "score",
    ]  # fmt: skip
    for col in ("respondent_id", "cpp", "item"):
        assert got[col].tolist() == expected[col].tolist()
    assert got["response"].isna().tolist() == expected["response"].isna().tolist()
    assert got["response"].dropna().tolist() == expected["response"].dropna().tolist()
    score = {o.code: o.score for o in cb.scale}
    want_score = [score.get(c) if isinstance(c, str) else None for c in expected["response"]]
    assert [None if pd.isna(s) else int(s) for s in got["score"]] == want_score


def test_planted_dont_know_pattern_survives():
    """Resources draws more Don't know than engagement, as in the demo model."""
    frame = demo.generate_scale_export(n_cpps=4, per_cpp=300, seed=3)
    cb = load_codebook(demo.CODEBOOK)
    dk = {o.code: o.label for o in cb.scale}["dont_know"]

    def share(theme: str) -> float:
        cols = [st.text for st in cb.statements_in(theme)]
        return float((frame[cols] == dk).to_numpy().mean())

    assert share("resources") > share("engagement") + 0.05


def test_scale_round_names_are_valid_round_names():
    current, baseline = scale.round_names(32, 1000)
    assert ROUND_NAME.match(current) and ROUND_NAME.match(baseline)
    assert current != baseline
