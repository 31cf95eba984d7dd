"""Two builds of the fixture round from a clean state give the same bytes.

Both builds start from a fresh project (real notebooks, built-in renderer, the
same ``SOURCE_DATE_EPOCH``) in different folders, so an absolute path leaking
into an output shows up as a difference too. Tables, HTML, PDF and improvement
plan spreadsheets must be byte-identical; executed notebooks may differ only in
the execution timestamps Papermill and Jupyter record.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from fixtures.project import CPPS, ROUND
from helpers.fixture_builds import RealBuild, real_build

pytestmark = pytest.mark.slow

# the only fields allowed to differ: when each cell and the notebook ran, and for how long
TIMESTAMPS = ("start_time", "end_time", "duration")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[RealBuild, RealBuild]:
    a, b = real_build(tmp_path_factory, "a"), real_build(tmp_path_factory, "b")
    assert a.exit_code == 0, a.console
    assert b.exit_code == 0, b.console
    assert a.root != b.root
    return a, b


def _files(root: Path, folder: str, pattern: str) -> dict[str, bytes]:
    base = root / "outputs" / ROUND / folder
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob(pattern))}


def _first_difference(a: bytes, b: bytes, *, name: str) -> str:
    try:
        lines = difflib.unified_diff(
            a.decode().splitlines(), b.decode().splitlines(), "build 1", "build 2", n=0, lineterm=""
        )
        return f"{name}:\n" + "\n".join(list(lines)[:20])
    except UnicodeDecodeError:
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        at = min(len(a), len(b)) if at is None else at
        return (
            f"{name}: {len(a)} vs {len(b)} bytes, first difference at byte {at}: "
            f"{a[at : at + 60]!r} vs {b[at : at + 60]!r}"
        )


def _assert_same(a: dict[str, bytes], b: dict[str, bytes], *, what: str) -> None:
    assert a, f"no {what} were built"
    assert sorted(a) == sorted(b), f"{what}: different files"
    differing = [_first_difference(a[n], b[n], name=n) for n in sorted(a) if a[n] != b[n]]
    assert not differing, f"{what} differ between two clean builds:\n" + "\n\n".join(differing)


def without_timestamps(node: Any) -> Any:
    """A notebook with the execution timestamps (and only those) taken out."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in TIMESTAMPS:
                continue
            if key == "execution" and isinstance(value, dict):  # iopub.* times of a cell
                continue
            out[key] = without_timestamps(value)
        return out
    if isinstance(node, list):
        return [without_timestamps(v) for v in node]
    return node


def test_tables_are_identical(builds: tuple[RealBuild, RealBuild]) -> None:
    a, b = builds
    _assert_same(_files(a.root, "tables", "*.*"), _files(b.root, "tables", "*.*"), what="tables")


def test_executed_notebooks_differ_only_in_timestamps(
    builds: tuple[RealBuild, RealBuild],
) -> None:
    a, b = builds
    na, nb = _files(a.root, "notebooks", "*.ipynb"), _files(b.root, "notebooks", "*.ipynb")
    expected = ("national", "technical-report", *CPPS)  # the technical report is built with it
    assert sorted(na) == sorted(f"{r}.ipynb" for r in expected)
    normalised = {
        name: [
            json.dumps(without_timestamps(json.loads(x)), indent=1, sort_keys=True).encode()
            for x in (na[name], nb[name])
        ]
        for name in na
    }
    _assert_same(
        {n: v[0] for n, v in normalised.items()},
        {n: v[1] for n, v in normalised.items()},
        what="executed notebooks",
    )
    # the normalisation removed timestamps, not content: outputs are still there
    first = json.loads(na["fife.ipynb"])
    assert any(c.get("outputs") for c in first["cells"])
    assert first["metadata"]["papermill"]["parameters"]["cpp"] == "fife"


@pytest.mark.parametrize("ext", ["html", "pdf", "xlsx"])
def test_reports_are_byte_identical(builds: tuple[RealBuild, RealBuild], ext: str) -> None:
    a, b = builds
    pattern = f"*.{ext}"
    _assert_same(_files(a.root, "reports", pattern), _files(b.root, "reports", pattern), what=ext)


def test_no_pdf_carries_the_wall_clock_date(builds: tuple[RealBuild, RealBuild]) -> None:
    import datetime as dt

    from helpers.fixture_builds import SOURCE_DATE_EPOCH
    from pypdf import PdfReader

    fixed = dt.datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), tz=dt.UTC).date()
    assert fixed == dt.date(2030, 3, 17)  # worked out by hand: 1.9e9 s after 1970-01-01
    a, _ = builds
    for pdf in sorted((a.root / "outputs" / ROUND / "reports").glob("*.pdf")):
        meta = PdfReader(pdf).metadata
        for date in (meta.creation_date, meta.modification_date):
            # no date at all is deterministic too; a date must be SOURCE_DATE_EPOCH's
            assert date is None or date.date() == fixed, (pdf.name, date)


def test_manifests_are_identical_and_match_the_delivered_files(
    builds: tuple[RealBuild, RealBuild],
) -> None:
    from cpsa.config import Paths
    from cpsa.pipeline import manifest as mf
    from cpsa.pipeline.params import report_spec

    a, b = builds

    def delivered(root: Path) -> dict[str, bytes]:
        out = {}
        for name, data in _files(root, "manifests", "*.json").items():
            record = json.loads(data)
            # the notebook's own hash is covered by the notebook test above (timestamps)
            record["files"] = {k: v for k, v in record["files"].items() if v["role"] != "notebook"}
            out[name] = json.dumps(record, sort_keys=True).encode()
        return out

    ma, mb = delivered(a.root), delivered(b.root)
    assert sorted(ma) == sorted(f"{r}.json" for r in ("national", *CPPS))
    _assert_same(ma, mb, what="build manifests")
    paths = Paths(root=a.root)
    for report in ("national", *CPPS):
        manifest = mf.read_manifest(paths, ROUND, report)
        assert manifest is not None
        assert mf.file_problems(manifest, report_spec(paths, ROUND, report), paths) == []
