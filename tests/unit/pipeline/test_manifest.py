"""cpsa.pipeline.manifest: the one list of delivered files and the checks against the manifest."""

from __future__ import annotations

from pathlib import Path

from cpsa.config import Paths
from cpsa.pipeline import manifest as mf
from cpsa.pipeline.params import report_spec

ROUND = "demo-2030"


def _built(root: Path, report: str = "fife") -> tuple[Paths, mf.Manifest]:
    """A report's outputs on disk and the manifest a build would have written for them."""
    paths = Paths(root=root)
    spec = report_spec(paths, ROUND, report)
    files = {}
    for role, path in mf.report_outputs(spec, paths).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"{role} of {report}: 63% positive\n".encode() * 50)
        files[mf.rel(path, root)] = {
            "role": role,
            "sha256": mf.sha256_file(path),
            "bytes": path.stat().st_size,
        }
    table = paths.tables(ROUND) / "by_cpp" / report / "comments.csv"
    table.parent.mkdir(parents=True)
    table.write_text("theme,comment\n")
    inputs = mf.hash_inputs([table], root)
    manifest = mf.Manifest(ROUND, report, "d" * 64, {"sources": "s"}, inputs, files)
    manifest.write(paths)
    return paths, manifest


def test_delivered_files_are_the_single_list_of_what_a_report_delivers(tmp_path: Path) -> None:
    paths = Paths(root=tmp_path)
    reports = paths.reports(ROUND)
    cpp = mf.delivered_files(report_spec(paths, ROUND, "fife"), paths)
    assert cpp["html"] == reports / "fife.html" and cpp["pdf"] == reports / "fife.pdf"
    assert cpp["plan"] == reports / "fife-improvement-plan.xlsx"
    national = mf.delivered_files(report_spec(paths, ROUND, "national"), paths)
    assert {"html", "pdf"} <= set(national) and "plan" not in national
    outputs = mf.report_outputs(report_spec(paths, ROUND, "fife"), paths)
    assert list(outputs)[0] == mf.NOTEBOOK
    assert outputs[mf.NOTEBOOK] == paths.executed_notebooks(ROUND) / "fife.ipynb"


def test_the_manifest_round_trips_and_intact_files_pass(tmp_path: Path) -> None:
    paths, manifest = _built(tmp_path)
    again = mf.read_manifest(paths, ROUND, "fife")
    assert again == manifest
    spec = report_spec(paths, ROUND, "fife")
    assert mf.file_problems(manifest, spec, paths) == []
    table = paths.tables(ROUND) / "by_cpp" / "fife" / "comments.csv"
    assert mf.input_problems(manifest, paths, [table]) == []


def test_missing_truncated_and_edited_delivered_files_are_found(tmp_path: Path) -> None:
    paths, manifest = _built(tmp_path)
    spec = report_spec(paths, ROUND, "fife")
    reports = paths.reports(ROUND)
    html = (reports / "fife.html").read_bytes()
    (reports / "fife.html").write_bytes(html[:1000])  # truncated
    pdf = reports / "fife.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"63%", b"99%"))  # edited, same size
    (reports / "fife-improvement-plan.xlsx").unlink()
    problems = "\n".join(mf.file_problems(manifest, spec, paths))
    assert f"outputs/{ROUND}/reports/fife.html: 1000 bytes, the build wrote" in problems
    assert f"outputs/{ROUND}/reports/fife.pdf: content differs from the build" in problems
    assert f"outputs/{ROUND}/reports/fife-improvement-plan.xlsx: missing" in problems


def test_a_delivered_file_the_manifest_does_not_record_is_a_problem(tmp_path: Path) -> None:
    paths, manifest = _built(tmp_path)
    spec = report_spec(paths, ROUND, "fife")
    files = {k: v for k, v in manifest.files.items() if v["role"] != "pdf"}
    partial = mf.Manifest(ROUND, "fife", manifest.digest, manifest.code, manifest.inputs, files)
    assert mf.file_problems(partial, spec, paths) == [
        f"outputs/{ROUND}/reports/fife.pdf: not in the build manifest"
    ]


def test_changed_or_deleted_inputs_are_reported(tmp_path: Path) -> None:
    paths, manifest = _built(tmp_path)
    table = paths.tables(ROUND) / "by_cpp" / "fife" / "comments.csv"
    table.write_text("theme,comment\nT1,new\n")
    name = f"outputs/{ROUND}/tables/by_cpp/fife/comments.csv"
    assert mf.input_problems(manifest, paths, [table]) == [f"input {name}: changed since the build"]
    table.unlink()
    assert mf.input_problems(manifest, paths, [table]) == [f"input {name}: missing since the build"]


def test_an_unreadable_or_old_manifest_reads_as_none(tmp_path: Path) -> None:
    paths, _ = _built(tmp_path)
    file = mf.manifest_file(paths, ROUND, "fife")
    file.write_text('{"manifest_version": 0}')
    assert mf.read_manifest(paths, ROUND, "fife") is None
    file.write_text("{not json")
    assert mf.read_manifest(paths, ROUND, "fife") is None
    mf.forget_manifest(paths, ROUND, "fife")
    assert mf.read_manifest(paths, ROUND, "fife") is None
