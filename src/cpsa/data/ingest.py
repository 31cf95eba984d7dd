"""Turn a round's validated export into the processed tidy data: ``cpsa ingest``.

Writes ``data/processed/<round>/`` (``responses.parquet``, ``respondents.parquet``,
``comments.parquet``, ``manifest.json``; see docs/architecture.md) only when the
export is valid. The folder is built next to its target and swapped in, so a
failed or interrupted ingest leaves the previous good folder in place. The raw
export is only ever read. When the manifest shows the processed data was made
from the same inputs (export, codebook, CPP reference, round CPP list), nothing is
redone: ``cpsa build`` calls this on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import load_codebook
from cpsa.data.colmap import load_map, map_path
from cpsa.data.reference import load_reference
from cpsa.data.text import normalise_series  # h6-text (issue 16.16)
from cpsa.data.validate import check_export
from cpsa.errors import ExportInvalid  # noqa: F401

log = logging.getLogger("cpsa.data.ingest")

TABLES = ("responses", "respondents", "comments")
# bump when the processed format changes, so old folders are rebuilt
FORMAT_VERSION = 1


@dataclass(frozen=True)
class IngestResult:
    round: str
    processed_dir: Path
    n_respondents: int
    n_cpps: int
    skipped: bool  # True when the processed data was already up to date
    manifest: dict


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fingerprint(cfg: RoundConfig, export_sha: str, paths: Paths) -> str:
    """Everything the processed data depends on besides the export itself."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}\n{export_sha}\n".encode())
    h.update((paths.checklists / f"{cfg.codebook}.yaml").read_bytes())
    for name in ("cpps.csv", "cpp_aliases.csv", "partner_types.csv"):
        h.update((paths.reference / name).read_bytes())
    h.update("\n".join(cfg.cpps).encode())
    # how the export is read: worksheet, answer codes and the confirmed column map
    h.update(f"\nsheet={cfg.sheet}\ncodes={sorted((cfg.codes or {}).items())}\n".encode())
    columns = map_path(cfg.round, paths)
    if columns.is_file():
        h.update(columns.read_bytes())
    return h.hexdigest()


def _up_to_date(folder: Path, fingerprint: str) -> dict | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("fingerprint") != fingerprint:
        return None
    # a truncated or edited table must not pass for current: it is rebuilt from the export
    if not processed_intact(folder, manifest):
        log.warning("ingest: %s does not match its manifest; rebuilding it", folder)
        return None
    return manifest


def processed_intact(folder: Path, manifest: dict) -> bool:
    """Whether every processed table still has the SHA-256 its manifest recorded."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or set(recorded) != {f"{t}.parquet" for t in TABLES}:
        return False
    for name, sha in recorded.items():
        try:
            if _sha256(folder / name) != sha:
                return False
        except OSError:
            return False
    return True


def _swap_in(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` onto ``target``, keeping the old one until it is in."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ingest_round(round_: str, *, paths: Paths | None = None) -> IngestResult:
    """Validate the round's export and (re)write its processed data; raise if invalid."""
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    export = cfg.export_path(paths)
    if not export.is_file():
        raise ConfigError(
            f"the export {cfg.export} named in params/{round_}/round.yaml does not exist; "
            "check the 'export' setting"
        )
    target = paths.processed(round_)
    export_sha = _sha256(export)
    fingerprint = _fingerprint(cfg, export_sha, paths)
    manifest = _up_to_date(target, fingerprint)
    if manifest is not None:
        log.info("ingest %s: processed data up to date, nothing to do", round_)
        return IngestResult(
            round_, target, manifest["n_respondents"], manifest["n_cpps"], True, manifest
        )

    validation = check_export(
        export,
        codebook=load_codebook(cfg.codebook, paths),
        reference=load_reference(paths),
        round_cpps=cfg.cpps,
        round_name=round_,
        codes=cfg.codes,
        sheet=cfg.sheet,
        column_map=load_map(round_, paths),
    )
    if validation.parsed is None:
        log.error(
            "ingest %s: %d problem(s); nothing written", round_, len(validation.report.problems)
        )
        raise ExportInvalid(validation.report)
    if _sha256(export) != export_sha:
        raise ConfigError(f"{cfg.export} changed while it was being read; run ingest again")
    parsed = validation.parsed
    # h6-text (issue 16.16): respondents' free text is normalised once, here, before it
    # is stored (cpsa.data.text: NFC, control/bidi/zero-width characters removed ...)
    parsed.comments["text"] = normalise_series(parsed.comments["text"])
    manifest = {
        "round": round_,
        "source": cfg.export,
        "sha256": export_sha,
        "codebook": cfg.codebook,
        "n_respondents": len(parsed.respondents),
        "n_cpps": int(parsed.respondents["cpp"].nunique()),
        "fingerprint": fingerprint,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{round_}.", dir=target.parent))
    try:
        for name in TABLES:
            getattr(parsed, name).to_parquet(tmp / f"{name}.parquet", index=False)
        manifest["files"] = {f"{t}.parquet": _sha256(tmp / f"{t}.parquet") for t in TABLES}
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (tmp / "manifest.json").write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        _swap_in(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
        raise
    log.info(
        "ingest %s: %d respondents, %d CPPs, %d responses, %d comments -> %s",
        round_,
        manifest["n_respondents"],
        manifest["n_cpps"],
        len(parsed.responses),
        len(parsed.comments),
        target.relative_to(paths.root) if paths.inside(target) else target,
    )
    return IngestResult(
        round_, target, manifest["n_respondents"], manifest["n_cpps"], False, manifest
    )


def load_processed(round_: str, *, paths: Paths | None = None) -> dict[str, pd.DataFrame]:
    """The processed tables of a round, by name (for the statistics and tests)."""
    folder = (paths or get_paths()).processed(round_)
    if not (folder / "manifest.json").is_file():
        raise ConfigError(
            f"no processed data for round {round_}; run: cpsa ingest --round {round_}"
        )
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not processed_intact(folder, manifest):
        raise ConfigError(
            f"the processed data in {folder} is damaged or was edited (it does not match "
            f"manifest.json); rebuild it: cpsa ingest --round {round_}"
        )
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
