"""What each report delivers, and the manifest that proves the delivered files are the build's.

:func:`delivered_files` is THE list of the files a report delivers (HTML, PDF,
improvement-plan workbook, ...). Everything else reads it: the build stages
these files and swaps them in together, the manifest records their hashes, the
incremental build rebuilds a report whose delivered file is missing or was
changed, and ``cpsa verify`` checks them. A writer that adds a delivered file
(the workshop kit, the technical report, the release folder) adds its entry
here, and writes it to the staged path the build hands it.

The manifest of a report is ``outputs/<round>/manifests/<report>.json``::

    {
      "manifest_version": 1,
      "round": "demo-2026",
      "report": "fife",
      "digest": "<sha256 over every input, the cpsa sources and the renderer>",
      "code": {"sources": "<sha256 of the cpsa sources>", "renderer": "builtin: ..."},
      "inputs": {"notebooks/cpp_report.ipynb": "<sha256>", "params/...": "...", ...},
      "files": {
        "outputs/demo-2026/reports/fife.html": {"role": "html", "sha256": "...", "bytes": 123},
        ...
      }
    }

Paths are relative to the project root. ``files`` holds the executed notebook
(role ``notebook``) and every delivered file, including any extra file a writer
put in the staging folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpsa import atomic
from cpsa.config import Paths
from cpsa.pipeline.params import ReportSpec

MANIFEST_VERSION = 1
NOTEBOOK = "notebook"


def delivered_files(spec: ReportSpec, paths: Paths) -> dict[str, Path]:
    """role -> path of every file ``spec``'s report delivers (the single list; see module doc).

    To add a file: give it a role here, then write it in ``build.build_report`` to
    ``staged[role]`` (never to the final path: the build moves it into place with the
    rest of the report, so a failure never leaves a mix of old and new files).
    """
    reports = paths.reports(spec.round)
    name = spec.report
    files = {"html": reports / f"{name}.html", "pdf": reports / f"{name}.pdf"}
    if not spec.is_national:
        files["plan"] = reports / f"{name}-improvement-plan.xlsx"
        # --- workshop kit (h4): files["docx"] = reports / f"{name}.docx", ... ---
    # --- national extras (h8): technical-report.*, release/* ---
    return files


def executed_notebook(spec: ReportSpec, paths: Paths) -> Path:
    return paths.executed_notebooks(spec.round) / f"{spec.report}.ipynb"


def report_outputs(spec: ReportSpec, paths: Paths) -> dict[str, Path]:
    """role -> final path of everything a build of the report writes (notebook first)."""
    return {NOTEBOOK: executed_notebook(spec, paths), **delivered_files(spec, paths)}


def manifest_file(paths: Paths, round_: str, report: str) -> Path:
    return paths.round_outputs(round_) / "manifests" / f"{report}.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def rel(path: Path, root: Path) -> str:
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


def hash_inputs(files: list[Path], root: Path) -> dict[str, str]:
    """project-relative path -> sha256 of every existing file (a missing one is left out)."""
    return {rel(f, root): sha256_file(f) for f in sorted(set(files)) if f.is_file()}


@dataclass(frozen=True)
class Manifest:
    round: str
    report: str
    digest: str
    code: dict[str, str]
    inputs: dict[str, str]
    files: dict[str, dict[str, Any]]  # relpath -> {"role", "sha256", "bytes"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "manifest_version": MANIFEST_VERSION,
            "round": self.round,
            "report": self.report,
            "digest": self.digest,
            "code": dict(sorted(self.code.items())),
            "inputs": dict(sorted(self.inputs.items())),
            "files": dict(sorted(self.files.items())),
        }

    def write(self, paths: Paths) -> Path:
        target = manifest_file(paths, self.round, self.report)
        atomic.write_text(target, json.dumps(self.as_dict(), indent=1, sort_keys=False) + "\n")
        return target


def read_manifest(paths: Paths, round_: str, report: str) -> Manifest | None:
    """The report's manifest, or None when it is missing, unreadable or of another version."""
    try:
        data = json.loads(manifest_file(paths, round_, report).read_text(encoding="utf-8"))
        if data.get("manifest_version") != MANIFEST_VERSION:
            return None
        return Manifest(
            round=data["round"],
            report=data["report"],
            digest=data["digest"],
            code=dict(data["code"]),
            inputs=dict(data["inputs"]),
            files={k: dict(v) for k, v in data["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def forget_manifest(paths: Paths, round_: str, report: str) -> None:
    manifest_file(paths, round_, report).unlink(missing_ok=True)


def file_problems(manifest: Manifest, spec: ReportSpec, paths: Paths) -> list[str]:
    """Why the files on disk are not the ones the manifest records ([] when they are).

    Every recorded file must exist with its recorded size and SHA-256, and every
    file :func:`delivered_files` names must be recorded.
    """
    problems = []
    recorded_roles = {v.get("role") for v in manifest.files.values()}
    for role, path in report_outputs(spec, paths).items():
        if role not in recorded_roles:
            problems.append(f"{rel(path, paths.root)}: not in the build manifest")
    for name, entry in manifest.files.items():
        path = paths.root / name
        if not path.is_file():
            problems.append(f"{name}: missing (the manifest records it)")
            continue
        size = path.stat().st_size
        if size != entry.get("bytes"):
            problems.append(
                f"{name}: {size} bytes, the build wrote {entry.get('bytes')} (truncated or edited)"
            )
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{name}: content differs from the build (edited after the build)")
    return problems


def input_problems(manifest: Manifest, paths: Paths, current: list[Path]) -> list[str]:
    """Inputs that changed since the build: the report is stale."""
    now = hash_inputs(current, paths.root)
    problems = []
    for name in sorted(set(manifest.inputs) | set(now)):
        before, after = manifest.inputs.get(name), now.get(name)
        if before == after:
            continue
        if after is None:
            problems.append(f"input {name}: missing since the build")
        elif before is None:
            problems.append(f"input {name}: new since the build")
        else:
            problems.append(f"input {name}: changed since the build")
    return problems
