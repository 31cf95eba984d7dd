"""Write the benchmark results: ``results.json`` (every run) and ``results.md`` (a table).

Both are written atomically (cpsa.atomic), so an interrupted benchmark never
leaves half a table behind. The JSON keeps every run and the machine context so
that results from different machines are not compared blindly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.stats import Measure, fmt
from cpsa import atomic


def markdown_table(measures: Sequence[Measure]) -> str:
    """measure | median | CPU | runs | target | met? — one row per measure."""
    lines = [
        "| measure | median | CPU time | runs | target | met? |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for m in measures:
        target = m.target.describe() if m.target else "—"
        met = {True: "yes", False: "**no**", None: "—"}[m.met]
        label = f"{m.label} ({m.note})" if m.note else m.label
        cpu = "—" if m.cpu_median is None else fmt(m.cpu_median, "s")
        lines.append(
            f"| {label} | {fmt(m.median, m.unit)} | {cpu} | {len(m.runs)} | {target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def as_json(measures: Sequence[Measure], context: dict[str, Any]) -> dict[str, Any]:
    return {
        "context": context,
        "measures": [
            {
                "key": m.key,
                "label": m.label,
                "unit": m.unit,
                "median": round(m.median, 4),
                "runs": [round(r, 4) for r in m.runs],
                "cpu_seconds": [round(c, 4) for c in m.cpu],
                "target": None
                if m.target is None
                else {"limit": m.target.limit, "kind": m.target.kind, "text": m.target.describe()},
                "met": m.met,
                "note": m.note,
            }
            for m in measures
        ],
    }


def write_results(
    out_dir: Path, measures: Sequence[Measure], context: dict[str, Any], *, notes: Sequence[str]
) -> tuple[Path, Path]:
    """Write results.json and results.md into ``out_dir``; return their paths."""
    json_path, md_path = out_dir / "results.json", out_dir / "results.md"
    payload = as_json(measures, context) | {"notes": list(notes)}
    atomic.write_text(json_path, json.dumps(payload, indent=2, sort_keys=True) + "\n")
    header = (
        f"# cpsa benchmark results\n\n{context.get('cores')} cores, "
        f"{context.get('renderer', 'renderer unknown')}; medians of the runs shown. CPU time is "
        "user + system over every process of the command (less affected by a busy machine "
        "than wall time).\n\n"
    )
    extra = "".join(f"- {n}\n" for n in notes)
    atomic.write_text(md_path, header + markdown_table(measures) + ("\n" + extra if extra else ""))
    return json_path, md_path
