"""``cpsa tables`` end to end on a throw-away project: files, contract, determinism, privacy."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from helpers.analysis_data import (
    build_responses,
    comments_for,
    random_responses,
    round_data,
    settings,
    write_project,
)
from scipy import stats

from cpsa import cli
from cpsa.config import ConfigError, get_paths
from cpsa.tables.read import load_cpp_bundle, load_national
from cpsa.tables.write import (
    BUNDLE_FILES,
    NATIONAL_FILES,
    compute_round_tables,
    write_round_tables,
)

INTERFACE_CPP_ITEMS = ["cpp", "item", "n_valid", "n_positive", "n_dont_know", "pct_positive",
                       "ci_low", "ci_high", "rest_n_valid", "rest_n_positive", "p_value",
                       "q_value", "suppressed"]  # fmt: skip
INTERFACE_NATIONAL = ["item", "n_valid", "n_positive", "n_dont_know", "pct_positive", "ci_low",
                      "ci_high"]  # fmt: skip
CPPS = ("east-lothian", "fife", "moray", "tiny")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    rng = np.random.default_rng(11)
    now = random_responses(rng, {"east-lothian": 12, "fife": 15, "moray": 9},
                           shift={"fife": 0.25, "moray": -0.4})  # fmt: skip
    tiny = build_responses({"tiny": [("police", "SA SA SA SA SA SA"), ("police", "A A A A A A")]},
                           prefix="T")  # fmt: skip
    now = pd.concat([now, tiny], ignore_index=True)
    base = random_responses(
        np.random.default_rng(12),
        {"east-lothian": 10, "fife": 11, "moray": 8},
        shift={"moray": 0.2},
    )
    base["respondent_id"] = "B" + base["respondent_id"]
    comments = comments_for(now, {
        "fife": [("beta", "improvements", "Call 0131 496 0000 or jo@fife.gov.uk"),
                 ("alpha", "strengths", "Zebra crossing of minds"),
                 ("alpha", "strengths", "Agenda is clear")],
        "tiny": [("alpha", "strengths", "We are tiny")],
    })  # fmt: skip
    rounds = {"t-2024": (base, comments_for(base, {}), CPPS[:3]), "t-2026": (now, comments, CPPS)}
    # three reported CPPs: allow rest-of-Scotland comparisons for this small test round
    # (the default thresholds.min_reported_cpps = 5 refuses them; tested in test_compute)
    write_project(root, rounds, baseline={"t-2026": "t-2024"}, thresholds={"min_reported_cpps": 3})
    old = os.environ.get("CPSA_ROOT")
    os.environ["CPSA_ROOT"] = str(root)
    try:
        result = write_round_tables("t-2026")
        yield root, result, now, base
    finally:
        if old is None:
            os.environ.pop("CPSA_ROOT", None)
        else:
            os.environ["CPSA_ROOT"] = old


def test_every_table_is_written(project):
    root, res, *_ = project
    out = root / "outputs" / "t-2026" / "tables"
    assert res.out_dir == out and res.n_cpps == 4 and res.n_reported == 3
    for name in NATIONAL_FILES:
        assert (out / f"{name}.csv").is_file(), name
    for cpp in CPPS:
        for name in (*BUNDLE_FILES, "summary"):
            ext = "json" if name == "summary" else "csv"
            assert (out / "by_cpp" / cpp / f"{name}.{ext}").is_file()


def test_cpp_items_follow_the_interface_and_fisher(project):
    root, res, now, _ = project
    raw = pd.read_csv(res.out_dir / "cpp_items.csv", dtype=str, keep_default_na=False)
    assert set(raw["suppressed"]) == {"true", "false"}  # booleans written as true/false
    df = pd.read_csv(res.out_dir / "cpp_items.csv")
    assert list(df.columns[: len(INTERFACE_CPP_ITEMS)]) == INTERFACE_CPP_ITEMS
    assert len(df) == 4 * 6
    nat = pd.read_csv(res.out_dir / "national_items.csv")
    assert list(nat.columns[: len(INTERFACE_NATIONAL)]) == INTERFACE_NATIONAL
    shown = df[~df["suppressed"]]
    for row in shown.itertuples():
        # rest of Scotland = every other pooled CPP, never including the CPP itself
        others = now[(now["cpp"] != row.cpp) & (now["cpp"] != "tiny") & (now["item"] == row.item)]
        valid = others["response"].isin(["strongly_agree", "agree", "disagree",
                                          "strongly_disagree"])  # fmt: skip
        pos = others["response"].isin(["strongly_agree", "agree"])
        assert row.rest_n_valid == valid.sum() and row.rest_n_positive == pos.sum()
        table = [[row.n_positive, row.n_valid - row.n_positive],
                 [row.rest_n_positive, row.rest_n_valid - row.rest_n_positive]]  # fmt: skip
        assert row.p_value == pytest.approx(stats.fisher_exact(table).pvalue, abs=1e-6)
    assert (shown["pct_positive"].between(0, 100)).all()


def test_small_cpp_has_no_numbers_anywhere(project):
    root, res, *_ = project
    df = pd.read_csv(res.out_dir / "cpp_items.csv")
    tiny = df[df["cpp"] == "tiny"]
    assert (
        tiny["suppressed"].all() and tiny[["n_valid", "rest_n_valid", "p_value"]].isna().all().all()
    )
    summary = json.loads((res.out_dir / "by_cpp" / "tiny" / "summary.json").read_text())
    assert summary["report_allowed"] is False and "fewer than 5" in summary["reason"]
    assert "n_respondents" not in summary
    bundle = load_cpp_bundle(res.out_dir / "by_cpp" / "tiny", cpp="tiny")
    assert not bundle.reportable and len(bundle.items) == 0 and len(bundle.comments) == 0
    # a lone small CPP stays out of every pooled figure (else Scotland minus the rest = it)
    nat = pd.read_csv(res.out_dir / "national_items.csv")
    assert (nat["n_cpps"] == 3).all()


def test_bundle_holds_only_its_cpp_and_redacted_sorted_comments(project):
    root, res, *_ = project
    b = load_cpp_bundle(res.out_dir / "by_cpp" / "fife", cpp="fife")
    assert b.reportable and b.summary["n_respondents"] == 15
    for frame in (b.items, b.themes, b.change_items, b.change_themes):
        assert set(frame["cpp"]) == {"fife"}
    texts = b.comments["text"].tolist()
    assert "0131" not in " ".join(texts) and "@" not in " ".join(texts)
    keys = list(zip(b.comments["theme"], b.comments["kind"], b.comments["text"], strict=True))
    assert keys == sorted(keys)
    for path in (res.out_dir / "by_cpp" / "fife").iterdir():
        text = path.read_text()
        for other in ("east-lothian", "moray", "tiny"):
            assert other not in text, (path.name, other)


def test_no_respondent_ids_in_any_output(project):
    root, res, now, base = project
    ids = set(now["respondent_id"]) | set(base["respondent_id"])
    for path in res.out_dir.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not any(i in text for i in ids), path


def test_planted_differences_are_found(project):
    root, res, *_ = project
    themes = pd.read_csv(res.out_dir / "cpp_themes.csv").set_index(["cpp", "theme"])
    assert themes.loc[("moray", "alpha"), "significance"] == "lower"
    nat = load_national(res.out_dir)
    assert set(nat.get("national_change_themes")["theme"]) == {"alpha", "beta", "solo"}
    change = pd.read_csv(res.out_dir / "cpp_change_themes.csv").set_index(["cpp", "theme"])
    assert change.loc[("moray", "alpha"), "diff_pp"] < 0  # baseline moray was shifted up
    assert set(change.index.get_level_values("cpp")) == {"east-lothian", "fife", "moray"}


def test_byte_identical_rerun_leaves_files_untouched(project):
    root, res, *_ = project
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in res.out_dir.rglob("*.*")}
    again = write_round_tables("t-2026")
    assert again.written == ()
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in res.out_dir.rglob("*.*")}
    assert after == before


def test_cli_and_clear_error_without_processed_data(project, capsys):
    root, *_ = project
    assert cli.main(["tables", "--round", "t-2026", "--out-dir", str(root / "alt")]) == 0
    assert (root / "alt" / "cpp_items.csv").is_file()
    proc = get_paths().processed("t-2024")
    proc.rename(proc.with_name("hidden"))
    try:
        (root / "data" / "demo" / "t-2024" / "export.csv").unlink()
        with pytest.raises(ConfigError, match="does not exist"):
            write_round_tables("t-2026", out_dir=root / "alt2")
    finally:
        proc.with_name("hidden").rename(proc)
        (root / "data" / "demo" / "t-2024" / "export.csv").write_text("placeholder\n")


def test_round_tables_do_not_depend_on_row_order():
    responses = random_responses(np.random.default_rng(3), {"a": 8, "b": 11, "c": 6})
    shuffled = responses.sample(frac=1, random_state=1).reset_index(drop=True)
    s = settings(permutations=199)
    one = compute_round_tables(round_data(responses), s)
    two = compute_round_tables(round_data(shuffled), s)
    for name, frame in one.national.items():
        pd.testing.assert_frame_equal(frame, two.national[name], obj=name)
    assert one.summaries == two.summaries
