"""The CPP reference and the checklist codebook are complete and consistent."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cpsa.data.codebook import RESPONSE_CODES, load_codebook
from cpsa.data.reference import load_reference, normalise_label, slugify

# The 32 council areas of Scotland, written out independently of data/reference.
COUNCIL_AREAS = """Aberdeen City|Aberdeenshire|Angus|Argyll and Bute|City of Edinburgh|
Clackmannanshire|Dumfries and Galloway|Dundee City|East Ayrshire|East Dunbartonshire|East Lothian|
East Renfrewshire|Falkirk|Fife|Glasgow City|Highland|Inverclyde|Midlothian|Moray|
Na h-Eileanan Siar|North Ayrshire|North Lanarkshire|Orkney Islands|Perth and Kinross|Renfrewshire|
Scottish Borders|Shetland Islands|South Ayrshire|South Lanarkshire|Stirling|West Dunbartonshire|
West Lothian""".replace("\n", "").split("|")


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def test_all_32_council_area_cpps_with_interface_slugs(ref):
    assert len(COUNCIL_AREAS) == 32
    assert sorted(ref.cpps["name"]) == sorted(COUNCIL_AREAS)
    for slug, name in zip(ref.cpps["slug"], ref.cpps["name"], strict=True):
        # interface.md: lower case, every run of non-letters replaced by '-'
        assert slug == re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
    assert {"na-h-eileanan-siar", "city-of-edinburgh", "perth-and-kinross"} <= set(ref.cpps["slug"])


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Edinburgh", "city-of-edinburgh"),
        ("City of Edinburgh", "city-of-edinburgh"),
        ("Eilean Siar", "na-h-eileanan-siar"),
        ("Western Isles", "na-h-eileanan-siar"),
        ("Comhairle nan Eilean Siar", "na-h-eileanan-siar"),
        ("Perth & Kinross", "perth-and-kinross"),
        ("  perth  AND kinross ", "perth-and-kinross"),
        ("Borders", "scottish-borders"),
        ("Glasgow", "glasgow-city"),
        ("Aberdeen", "aberdeen-city"),
        ("Dundee", "dundee-city"),
        ("Orkney", "orkney-islands"),
        ("Shetland", "shetland-islands"),
        ("argyll-and-bute", "argyll-and-bute"),
    ],
)
def test_aliases_real_exports_use(ref, typed, slug):
    assert ref.match_cpp(typed) == slug


def test_alias_file_points_only_at_known_slugs_and_is_unambiguous(project_root):
    cpps = pd.read_csv(project_root / "data/reference/cpps.csv", dtype=str)
    aliases = pd.read_csv(project_root / "data/reference/cpp_aliases.csv", dtype=str)
    assert set(aliases["slug"]) <= set(cpps["slug"])
    keys = aliases["alias"].map(normalise_label)
    assert not keys.duplicated().any(), "an alias is listed twice"
    # an alias must not be another CPP's name
    by_name = {normalise_label(n): s for s, n in zip(cpps["slug"], cpps["name"], strict=True)}
    for key, slug in zip(keys, aliases["slug"], strict=True):
        assert by_name.get(key, slug) == slug


def test_partner_types(ref):
    assert list(ref.partner_types["id"]) == [
        "elected_member", "council_officer", "nhs_board", "hscp", "police", "fire",
        "enterprise_skills", "third_sector", "community", "other",
    ]  # fmt: skip
    assert ref.match_partner_type("Councillor") == "elected_member"
    assert ref.match_partner_type("health & social care partnership") == "hscp"
    assert ref.match_partner_type("SFRS") == "fire"
    assert ref.match_partner_type("Polis") is None


def test_codebook_has_nine_themes_and_40_to_50_stable_statements():
    cb = load_codebook("psif-board-v1")
    assert [t.id for t in cb.themes] == [
        "engagement", "evidence", "outcomes", "leadership", "governance",
        "accountability", "resources", "performance", "impact",
    ]  # fmt: skip
    assert 40 <= len(cb.statements) <= 50
    prefix = {t.id: t.id[:3].upper() for t in cb.themes}
    for s in cb.statements:
        assert re.fullmatch(rf"{prefix[s.theme]}\d\d", s.id), s.id
    assert all(len(cb.statements_in(t.id)) >= 4 for t in cb.themes)
    # statements and comment questions become column headings: they must be distinct
    headings = [normalise_label(s.text) for s in cb.statements]
    headings += [normalise_label(t.strengths_question) for t in cb.themes]
    headings += [normalise_label(t.improvements_question) for t in cb.themes]
    assert len(set(headings)) == len(headings)
    assert tuple(o.code for o in cb.scale) == RESPONSE_CODES
    assert [o.score for o in cb.scale] == [4, 3, 2, 1, None]
    assert [o.positive for o in cb.scale] == [True, True, False, False, False]


def test_slugify_matches_the_reference():
    assert slugify("Na h-Eileanan Siar") == "na-h-eileanan-siar"
