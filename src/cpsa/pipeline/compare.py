"""Compare published outputs with a fresh re-execution, for ``cpsa verify``.

Two things are compared: the CSV tables (every cell, as text, because the
tables are written deterministically) and the outputs of every cell of the
executed notebooks (Markdown, plain text and figure bytes). Execution
timestamps and other volatile metadata are ignored. Differences come back as
readable lines, not as a bare "not equal".
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

# lines of the provenance block that legitimately change with the checkout
_PROVENANCE_LINE = re.compile(r"cpsa code version|Renderer|\| *Package ", re.I)


@dataclass(frozen=True)
class Difference:
    where: str  # file (and cell) where the outputs differ
    detail: str  # a readable, possibly multi-line, description
    informational: bool = False  # provenance-only differences do not fail verify


def _diff_text(a: str, b: str, *, label: str, limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(
            a.splitlines(),
            b.splitlines(),
            f"published/{label}",
            f"re-executed/{label}",
            n=1,
            lineterm="",
        )
    )
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)


def compare_tables(
    published: Path, fresh: Path, *, only: list[str] | None = None
) -> list[Difference]:
    """Compare every CSV/JSON under ``published`` with the one under ``fresh``."""
    diffs: list[Difference] = []
    pub = {p.relative_to(published).as_posix() for p in published.rglob("*") if p.is_file()}
    new = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    if only is not None:
        pub = {p for p in pub if any(p == o or p.startswith(o.rstrip("/") + "/") for o in only)}
        new = {p for p in new if any(p == o or p.startswith(o.rstrip("/") + "/") for o in only)}
    for rel in sorted(pub - new):
        diffs.append(Difference(rel, "published, but not produced by the re-execution"))
    for rel in sorted(new - pub):
        diffs.append(Difference(rel, "produced by the re-execution, but not published"))
    for rel in sorted(pub & new):
        a = (published / rel).read_bytes()
        b = (fresh / rel).read_bytes()
        if a != b:
            diffs.append(
                Difference(
                    rel,
                    _diff_text(a.decode(errors="replace"), b.decode(errors="replace"), label=rel),
                )
            )
    return diffs


def _cell_outputs(nb: dict) -> list[tuple[int, str]]:
    """(cell index, normalised output text) for every code cell with outputs."""
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                text = o.get("text", "")
                parts.append(
                    f"[{o.get('name')}] " + ("".join(text) if isinstance(text, list) else text)
                )
            elif o.get("output_type") in ("display_data", "execute_result"):
                for mime in sorted(o.get("data", {})):
                    v = o["data"][mime]
                    v = "".join(v) if isinstance(v, list) else v
                    if not isinstance(v, str):
                        v = json.dumps(v, sort_keys=True)
                    parts.append(f"[{mime}]\n{v}")
            elif o.get("output_type") == "error":
                parts.append(f"[error] {o.get('ename')}: {o.get('evalue')}")
        out.append((i, "\n".join(parts)))
    return out


def compare_notebooks(published: Path, fresh: Path) -> list[Difference]:
    """Compare the outputs of two executed notebooks, cell by cell."""
    a = json.loads(published.read_text(encoding="utf-8"))
    b = json.loads(fresh.read_text(encoding="utf-8"))
    ca, cb = _cell_outputs(a), _cell_outputs(b)
    if [i for i, _ in ca] != [i for i, _ in cb]:
        return [Difference(published.name, "the notebooks have different cells")]
    diffs = []
    for (i, ta), (_, tb) in zip(ca, cb, strict=True):
        if ta == tb:
            continue
        changed = [
            line
            for line in difflib.ndiff(ta.splitlines(), tb.splitlines())
            if line.startswith(("- ", "+ "))
        ]
        informational = all(_PROVENANCE_LINE.search(line) for line in changed)
        diffs.append(
            Difference(
                f"{published.name} cell {i}",
                _diff_text(ta, tb, label=f"{published.name}#cell{i}"),
                informational=informational,
            )
        )
    return diffs
