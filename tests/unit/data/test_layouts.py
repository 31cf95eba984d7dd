"""Real export layouts: each file in tests/data/layouts maps, validates and ingests to the
processed data of the same 40 demo respondents, and never keeps its personal data."""

from __future__ import annotations

import importlib.util
import io
import shutil

import pandas as pd
import pytest
import yaml
from helpers import TESTS

from cpsa.config import Paths, load_round
from cpsa.data import colmap, ingest, layouts
from cpsa.data.exports import ExportReadError, read_export
from cpsa.data.ingest import ingest_round, load_processed
from cpsa.data.validate import validate_file

LAYOUT_DIR = TESTS / "data" / "layouts"


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_layouts", LAYOUT_DIR / "make_layouts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
# what cpsa map cannot match exactly, so the analyst must confirm it
TO_CONFIRM = {
    "surveymonkey.csv": {"cpp", "partner_type"},
    "qualtrics.csv": {"cpp", "partner_type", "GOV02"},
}


def round_of(name: str) -> str:
    return "2099-" + name.split(".")[0]


@pytest.fixture(scope="module")
def project(tmp_path_factory, project_root):
    """A scratch project: the demo-2026 round, the 40-respondent reference, one round per file."""
    root = tmp_path_factory.mktemp("layouts")
    for sub in ("params/checklist", "data/reference", "params/demo-2026", "data/demo/demo-2026"):
        shutil.copytree(project_root / sub, root / sub)
    paths = Paths(root=root)
    cpps = load_round("demo-2026", paths).cpps
    exports = {"2098-reference": ("reference.csv", gen.reference_csv(), {})}
    for name, spec in gen.LAYOUTS.items():
        exports[round_of(name)] = (name, (LAYOUT_DIR / name).read_bytes(), spec)
    for round_, (name, data, spec) in exports.items():
        dest = root / "data" / "raw" / round_ / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        config = {
            "round": round_,
            "year": 2099,
            "title": "layout test",
            "synthetic": True,
            "export": f"data/raw/{round_}/{name}",
            "codebook": "psif-board-v1",
            "baseline": None,
            "seed": 1,
            "cpps": list(cpps),
        }
        if spec.get("codes"):
            config["codes"] = spec["codes"]
        (root / "params" / round_).mkdir(parents=True)
        (root / "params" / round_ / "round.yaml").write_text(yaml.safe_dump(config))
    ingest_round("2098-reference", paths=paths)
    return paths


def test_layout_files_are_current(tmp_path):
    gen.main(tmp_path)
    for name in gen.LAYOUTS:
        assert (tmp_path / name).read_bytes() == (LAYOUT_DIR / name).read_bytes(), (
            f"tests/data/layouts/{name} is stale: run python tests/data/layouts/make_layouts.py"
        )
    assert sorted(p.name for p in LAYOUT_DIR.iterdir() if p.suffix != ".py") == sorted(gen.LAYOUTS)


def test_the_reference_is_the_demo_rounds_processed_data(project):
    """The 40 respondents' processed data are exactly those rows of the demo round's."""
    ingest_round("demo-2026", paths=project)
    demo = load_processed("demo-2026", paths=project)
    ref = load_processed("2098-reference", paths=project)
    ids = set(ref["respondents"]["respondent_id"])
    assert len(ids) == gen.N_ROWS
    for table in ingest.TABLES:
        want = demo[table][demo[table]["respondent_id"].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(ref[table], want)


@pytest.mark.parametrize("name", sorted(gen.LAYOUTS))
def test_each_layout_maps_validates_and_ingests_to_the_demo_data(project, name):
    round_ = round_of(name)
    target, proposals, raw = colmap.write_map(round_, paths=project)
    assert gen.LAYOUTS[name]["says"] in raw.describe()
    doc = yaml.safe_load(target.read_text())
    unconfirmed = {e["maps_to"] for e in doc["columns"] if not e["confirmed"]}
    assert unconfirmed == TO_CONFIRM.get(name, set())
    mapped = {p.maps_to for p in proposals}
    assert {s for s in mapped if s != colmap.DROP} >= {"respondent_id", "cpp", "partner_type"}
    export = project.resolve(load_round(round_, project).export)
    if unconfirmed:  # before the analyst confirms: an error naming each candidate
        report = validate_file(export, round_=round_, paths=project).report
        assert not report.ok
        text = report.format()
        assert "has no confirmed column" in text and "candidate" in text
        with pytest.raises(ingest.ExportInvalid):
            ingest_round(round_, paths=project)
        for e in doc["columns"]:
            e["confirmed"] = True  # the analyst checked the proposals
        target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    report = validate_file(export, round_=round_, paths=project).report
    assert report.ok, report.format()
    assert report.format().splitlines()[0].startswith(raw.describe())
    assert "of personal data will be dropped" in report.summary
    ingest_round(round_, paths=project)
    got = load_processed(round_, paths=project)
    want = load_processed("2098-reference", paths=project)
    for table in ingest.TABLES:
        pd.testing.assert_frame_equal(got[table], want[table])
    # personal data never reaches the processed folder
    for f in project.processed(round_).iterdir():
        data = f.read_bytes()
        assert gen.MARK.encode() not in data and gen.MARK.lower().encode() not in data
        assert b"192.0.2." not in data and b"example.org" not in data


def test_map_never_overwrites_without_force(project):
    round_ = round_of("one-header.csv")
    path = colmap.map_path(round_, project)
    if not path.exists():
        colmap.write_map(round_, paths=project)
    before = path.read_bytes()
    with pytest.raises(colmap.ConfigError, match="--force"):
        colmap.write_map(round_, paths=project)
    assert path.read_bytes() == before
    colmap.write_map(round_, paths=project, force=True)


def test_an_ambiguous_proposal_names_both_candidates(project, tmp_path):
    round_ = round_of("one-header.csv")
    colmap.write_map(round_, paths=project, force=True)
    path = colmap.map_path(round_, project)
    doc = yaml.safe_load(path.read_text())
    entry = next(e for e in doc["columns"] if e["maps_to"] == "ENG02")
    entry.update(confirmed=False, how="closest wording", confidence=0.81, also=["ENG03 (0.80)"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    export = project.resolve(load_round(round_, project).export)
    report = validate_file(export, round_=round_, paths=project).report
    assert len(report.problems) == 1, report.format()
    text = str(report.problems[0])
    assert "ENG02" in text and "ENG03" in text and repr(entry["heading"]) in text
    colmap.write_map(round_, paths=project, force=True)


def test_qualtrics_without_codes_says_so_once(project):
    round_ = round_of("qualtrics.csv")
    export = project.resolve(load_round(round_, project).export)
    from cpsa.data.codebook import load_codebook
    from cpsa.data.reference import load_reference
    from cpsa.data.validate import check_export

    if colmap.load_map(round_, project) is None:
        pytest.skip("needs the confirmed map of the layout test")
    v = check_export(
        export,
        codebook=load_codebook("psif-board-v1", project),
        reference=load_reference(project),
        column_map=colmap.load_map(round_, project),
        round_name=round_,
    )
    (p,) = v.report.problems
    assert "1,801 cells hold numbers 1–5" in str(p)
    assert "rows 4, 5, 6, …" in str(p)


# ---------------------------------------------------------------- layout recognition


def test_header_rows_are_recognised():
    assert layouts.header_rows([["Respondent ID", "Q"], ["R1", "Agree"]]) == 1
    assert layouts.header_rows([["Respondent ID", "Q"], ["", "Response"], ["1", "Agree"]]) == 2
    qualtrics = [
        ["ResponseId", "Q1_1"],
        ["Response ID", "Q - S"],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1_1"}'],
        ["R_1", "3"],
    ]
    assert layouts.header_rows(qualtrics) == 3


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_delimiter_is_chosen_even_with_commas_in_comments(delim):
    rows = [["Respondent ID", "CPP", "Comment"]] + [
        [f"R{k}", "Fife", "Good, but slow; needs work"] for k in range(30)
    ]
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=delim).writerows(rows)
    assert layouts.choose_delimiter(buf.getvalue()) == delim


def test_matrix_headings_are_split_into_question_and_statement():
    assert layouts.matrix_style(["Area: one", "Area: two", "Other"]) == "Question: Statement"
    assert layouts.matrix_style(["A - one", "A - two"]) == "Question - Statement"
    assert "Statement two" in layouts.wordings("Leadership - Statement two")


def _workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    return gen.xlsx_bytes(sheets)


def test_xlsx_sheet_named_in_the_config_or_listed_in_the_error(tmp_path):
    grid = [["Respondent ID", "CPP", "Partner type", "Q1"], ["R1", "Fife", "Other", "Agree"]]
    path = tmp_path / "two.xlsx"
    path.write_bytes(_workbook({"Responses": grid, "Copy": grid}))
    with pytest.raises(ExportReadError, match="'Responses', 'Copy'"):
        read_export(path, round_="2026")
    assert read_export(path, sheet="Copy").layout.sheet == "Copy"
    with pytest.raises(ExportReadError, match="no worksheet 'Nope'.*'Responses', 'Copy'"):
        read_export(path, sheet="Nope")
    path.write_bytes(_workbook({"About": [["Survey", "x"]], "Responses": grid}))
    assert read_export(path).layout.sheet == "Responses"
    path.write_bytes(_workbook({"About": [["Survey", "x"]]}))
    with pytest.raises(ExportReadError, match="no responses|no worksheet looks like"):
        read_export(path, sheet=None)


def test_personal_data_never_reaches_processed_data_or_tables(project):
    """Every personal-data column of every layout is planted with a marker: a built round's
    processed data and tables hold none of it (nor the IP addresses, nor any e-mail)."""
    from cpsa.tables.write import write_round_tables

    round_ = round_of("one-header.csv")
    if colmap.load_map(round_, project) is None:
        colmap.write_map(round_, paths=project)
    ingest_round(round_, paths=project)
    write_round_tables(round_, paths=project)
    scanned = 0
    for folder in (project.processed(round_), project.round_outputs(round_)):
        for f in folder.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                scanned += 1
                for needle in (gen.MARK.encode(), gen.MARK.lower().encode(), b"192.0.2."):
                    assert needle not in data, f"{needle!r} in {f}"
                assert b"@example.org" not in data, f
    assert scanned > 10


def test_a_few_stray_null_bytes_in_a_comment_are_dropped_and_said(tmp_path):
    from cpsa.data.exports import read_export

    source = (LAYOUT_DIR / "one-header.csv").read_bytes()
    first_line_end = source.index(b"\n") + 1
    planted = source[:first_line_end] + source[first_line_end:].replace(b",", b",\x00", 1)
    path = tmp_path / "nul.csv"
    path.write_bytes(planted)
    raw = read_export(path)
    assert raw.rows == read_export(LAYOUT_DIR / "one-header.csv").rows
    assert "1 stray null byte removed" in raw.describe()


def test_a_binary_file_is_still_refused(tmp_path):
    from cpsa.data.exports import read_export
    from cpsa.errors import ExportReadError

    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ExportReadError, match="not a text"):
        read_export(path)
