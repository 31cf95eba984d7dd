"""The synthetic demo rounds: deterministic, realistic, and with the planted findings."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from cpsa.config import Paths, load_round
from cpsa.data import demo
from cpsa.data.codebook import load_codebook
from cpsa.data.exports import read_export
from cpsa.data.reference import load_reference
from cpsa.data.validate import check_export

FILES = ("export.csv", "export.xlsx", "board_sizes.csv")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Paths:
    """Both demo rounds generated with the default seed into a scratch project."""
    paths = Paths(root=tmp_path_factory.mktemp("demo"))
    for round_ in demo.generate().values():
        demo.write_round(round_, paths=paths)
    return paths


@pytest.fixture(scope="module")
def parsed(written):
    """The generated exports parsed into tidy tables, per round."""
    cb, ref = load_codebook(demo.CODEBOOK), load_reference()
    out = {}
    for name in demo.ROUNDS:
        cfg_cpps = tuple(demo_cpps(written, name))
        v = check_export(
            written.demo / name / "export.csv", codebook=cb, reference=ref,
            round_cpps=cfg_cpps, round_name=name,
        )  # fmt: skip
        assert v.report.ok, v.report.format()
        out[name] = v.parsed
    return out


def demo_cpps(paths: Paths, name: str) -> list[str]:
    return list(load_round(name, paths).cpps)


def pct_positive(responses: pd.DataFrame) -> float:
    valid = responses[
        responses["response"].isin(["strongly_agree", "agree", "disagree", "strongly_disagree"])
    ]
    return 100 * valid["response"].isin(["strongly_agree", "agree"]).mean()


def test_same_seed_gives_identical_bytes(written, tmp_path):
    again = Paths(root=tmp_path)
    for round_ in demo.generate().values():
        demo.write_round(round_, paths=again)
    for name in demo.ROUNDS:
        for f in FILES:
            assert (again.demo / name / f).read_bytes() == (written.demo / name / f).read_bytes()
        a, b = again.round_config_file(name), written.round_config_file(name)
        assert a.read_bytes() == b.read_bytes()


def test_committed_demo_data_is_what_the_generator_makes(written, project_root):
    committed = Paths(root=project_root)
    for name in demo.ROUNDS:
        for f in FILES:
            assert (committed.demo / name / f).read_bytes() == (
                written.demo / name / f
            ).read_bytes(), f"data/demo/{name}/{f} is stale: run `cpsa demo-data`"


def test_another_seed_gives_other_answers():
    a = demo.generate(seed=1)["demo-2024"].export
    b = demo.generate(seed=2)["demo-2024"].export
    assert not a.equals(b)


def test_csv_and_xlsx_hold_the_same_cells(written):
    for name in demo.ROUNDS:
        csv_ = read_export(written.demo / name / "export.csv")
        xlsx = read_export(written.demo / name / "export.xlsx")
        assert csv_.header == xlsx.header
        assert csv_.rows == xlsx.rows


def test_round_configs(written):
    base, new = load_round("demo-2024", written), load_round("demo-2026", written)
    assert base.synthetic and new.synthetic
    assert base.baseline is None and new.baseline == "demo-2024"
    assert base.export == "data/demo/demo-2024/export.csv"
    assert (written.root / new.board_sizes).is_file()


def test_participation_is_realistic(parsed, written):
    sizes = {n: p.respondents.groupby("cpp").size() for n, p in parsed.items()}
    s24, s26 = sizes["demo-2024"], sizes["demo-2026"]
    assert len(s24) == 20 and len(s26) == 24
    assert s24.between(6, 18).all()
    assert 180 <= s24.sum() <= 240
    assert len(set(s24.index) & set(s26.index)) >= 15  # most CPPs take part again
    # one CPP below the reporting minimum of 5, so the short-report path is exercised
    assert 3 <= s26[demo.SMALL_CPP_2026] <= 4
    assert (s26.drop(demo.SMALL_CPP_2026) >= 6).all()
    # every CPP in the config has responses, and no more respondents than invited
    for name, s in sizes.items():
        assert sorted(s.index) == demo_cpps(written, name)
        board = pd.read_csv(written.demo / name / "board_sizes.csv").set_index("cpp")
        assert (board["members_invited"].reindex(s.index) >= s).all()
    mix = parsed["demo-2024"].respondents["partner_type"].value_counts(normalize=True)
    assert len(mix) == 10 and mix.max() < 0.35


def test_dont_know_where_members_lack_information(parsed):
    for p in parsed.values():
        r = p.responses
        dk = r["response"].eq("dont_know")
        by_theme = dk.groupby(r["theme"]).mean()
        others = by_theme.drop(["resources", "performance", "impact"])
        assert by_theme["resources"] > 2 * others.max()
        assert by_theme["performance"] > 1.5 * others.max()
        by_partner = dk.groupby(r["partner_type"].eq("community")).mean()
        assert by_partner[True] > 2 * by_partner[False]


def test_a_few_per_cent_blanks_and_no_empty_responses(parsed):
    for p in parsed.values():
        r = p.responses
        assert 0.01 <= r["response"].isna().mean() <= 0.06
        answered = r.dropna(subset=["response"]).groupby("respondent_id").size()
        assert len(answered) == len(p.respondents)


def test_comments_for_about_half_the_themes_and_a_few_contact_details(parsed):
    email = re.compile(r"[\w.]+@[\w.]+\.\w+")
    phone = re.compile(r"\b0\d{4} ?\d{6}\b")
    url = re.compile(r"https?://")
    for p in parsed.values():
        r, c = p.responses, p.comments
        seen = r.dropna(subset=["response"])[["respondent_id", "theme"]].drop_duplicates()
        commented = c[["respondent_id", "theme"]].drop_duplicates()
        share = len(commented) / len(seen)
        assert 0.35 <= share <= 0.65, share
        assert set(c["kind"]) == {"strengths", "improvements"}
        assert c["text"].nunique() > 50  # varied templates, not one sentence
        for pattern in (email, phone, url):
            hits = c["text"].str.contains(pattern).sum()
            assert 1 <= hits <= 3, pattern


def test_planted_weak_governance(parsed):
    for p in parsed.values():
        gov = p.responses[p.responses["theme"] == "governance"]
        by_cpp = gov.groupby("cpp").apply(pct_positive, include_groups=False)
        assert by_cpp.idxmin() == demo.WEAK_GOVERNANCE
        assert by_cpp[demo.WEAK_GOVERNANCE] < pct_positive(gov) - 20


def test_planted_strong_engagement(parsed):
    for p in parsed.values():
        eng = p.responses[p.responses["theme"] == "engagement"]
        mine = pct_positive(eng[eng["cpp"] == demo.STRONG_ENGAGEMENT])
        assert mine > pct_positive(eng) + 10
        own_other = p.responses[
            (p.responses["cpp"] == demo.STRONG_ENGAGEMENT) & (p.responses["theme"] != "engagement")
        ]
        assert mine > pct_positive(own_other) + 10


def test_planted_national_improvement_in_performance_management(parsed):
    table = []
    for name in demo.ROUNDS:
        r = parsed[name].responses
        perf = r[(r["theme"] == "performance") & r["score"].notna()]
        positive = int((perf["score"] >= 3).sum())
        table.append([positive, len(perf) - positive])
    pct = [100 * a / (a + b) for a, b in table]
    assert pct[1] - pct[0] >= 8
    assert chi2_contingency(table).pvalue < 1e-4
    # while the other themes stay roughly where they were
    others = [
        pct_positive(parsed[n].responses.query("theme != 'performance'")) for n in demo.ROUNDS
    ]
    assert abs(others[1] - others[0]) < 4
