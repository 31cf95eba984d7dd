"""The Papermill parameters of every report of a round: writing them and checking them.

``cpsa params --round R`` writes ``params/<round>/cpp/<slug>.yaml`` for each
participating CPP and ``params/<round>/national.yaml`` (contract in
docs/architecture.md, "Notebook parameters"). The files are committed, so they
are written deterministically and only rewritten when their content changes.

Papermill only *warns* about a parameter the notebook does not declare, so
:func:`validate_params` checks a parameter set against the notebook's
``parameters`` cell (and the round) before anything is executed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cpsa import atomic
from cpsa.config import (
    ConfigError,
    Paths,
    RoundConfig,
    check_slug,
    get_paths,
    load_round,
    load_yaml_file,
)

log = logging.getLogger("cpsa.pipeline.params")

NATIONAL = "national"
_HEADER = (
    "# Papermill parameters of one report, written by `cpsa params` from the round config.\n"
    "# Edit params/{round}/round.yaml instead and re-run `cpsa params --round {round}`.\n"
)


@dataclass(frozen=True)
class ReportSpec:
    """One report of a round: which notebook runs, with which parameter file."""

    round: str
    report: str  # a CPP slug, or "national"
    notebook: Path
    params_file: Path

    @property
    def is_national(self) -> bool:
        return self.report == NATIONAL


@dataclass(frozen=True)
class ParamsWritten:
    """What ``write_round_params`` did: files rewritten and files already up to date."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    removed: tuple[Path, ...]


def params_file(paths: Paths, round_: str, report: str) -> Path:
    base = paths.round_params(round_)
    if report != NATIONAL:
        check_slug(report)
    return base / "national.yaml" if report == NATIONAL else base / "cpp" / f"{report}.yaml"


def notebook_file(paths: Paths, report: str, *, withheld: bool = False) -> Path:
    """The notebook of a report; ``withheld``: a CPP whose results may not be shown."""
    if report == NATIONAL:
        return paths.notebooks / "national_report.ipynb"
    return paths.notebooks / ("cpp_withheld.ipynb" if withheld else "cpp_report.ipynb")


def results_withheld(paths: Paths, round_: str, cpp: str) -> bool:
    """True when ``cpsa tables`` found too few respondents for the CPP's report to show results."""
    summary = paths.tables(round_) / "by_cpp" / cpp / "summary.json"
    if not summary.is_file():
        return False
    return not json.loads(summary.read_text(encoding="utf-8"))["report_allowed"]


def report_spec(paths: Paths, round_: str, report: str) -> ReportSpec:
    withheld = report != NATIONAL and results_withheld(paths, round_, report)
    return ReportSpec(
        round=round_,
        report=report,
        notebook=notebook_file(paths, report, withheld=withheld),
        params_file=params_file(paths, round_, report),
    )


def participating_cpps(cfg: RoundConfig, paths: Paths) -> tuple[str, ...]:
    """The CPPs that get a report: listed in round.yaml and given tables by ``cpsa tables``.

    Before the tables exist every listed CPP counts; afterwards a CPP the tables
    step left without a ``by_cpp`` folder (e.g. too few respondents) has no report.
    """
    by_cpp = paths.tables(cfg.round) / "by_cpp"
    if not by_cpp.is_dir():
        return cfg.cpps
    present = tuple(s for s in cfg.cpps if (by_cpp / s).is_dir())
    dropped = sorted(set(cfg.cpps) - set(present))
    if dropped:
        log.info("no report tables for %d listed CPP(s): %s", len(dropped), ", ".join(dropped))
    return present


def report_params(cfg: RoundConfig, report: str) -> dict[str, Any]:
    """The parameter set of one report, in the notebook's parameter order.

    A CPP report's parameters are only what a user chooses, ``round`` and ``cpp``;
    the notebook takes everything else from params/<round>/round.yaml.
    """
    if report == NATIONAL:
        return {
            "round": cfg.round,
            "tables_dir": f"outputs/{cfg.round}/tables",
            "synthetic": cfg.synthetic,
            "baseline": cfg.baseline,
        }
    return {"round": cfg.round, "cpp": report}


def dump_params(round_: str, params: dict[str, Any]) -> str:
    """Deterministic YAML text of a parameter set (fixed key order, header comment)."""
    body = yaml.safe_dump(params, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return _HEADER.format(round=round_) + body


def write_round_params(round_: str, *, paths: Paths | None = None) -> ParamsWritten:
    """Write every report's parameter file of ``round_``; untouched when unchanged.

    Parameter files of CPPs that no longer take part are removed, so a stale file
    can never be built by mistake.
    """
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    written: list[Path] = []
    unchanged: list[Path] = []
    wanted = [NATIONAL, *participating_cpps(cfg, paths)]
    for report in wanted:
        target = params_file(paths, round_, report)
        text = dump_params(round_, report_params(cfg, report))
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            unchanged.append(target)
            continue
        atomic.write_text(target, text)
        written.append(target)
    keep = {params_file(paths, round_, r) for r in wanted}
    cpp_dir = paths.round_params(round_) / "cpp"
    removed = [f for f in sorted(cpp_dir.glob("*.yaml")) if f not in keep]
    for f in removed:
        f.unlink()
    return ParamsWritten(tuple(written), tuple(unchanged), tuple(removed))


def load_params(file: Path) -> dict[str, Any]:
    """Read one parameter file; a clear error when it is missing or not a mapping."""
    if not file.is_file():
        raise ConfigError(f"no parameter file {file}; run `cpsa params --round <round>` first")
    data = load_yaml_file(file)
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping of parameter names to values")
    return data


def notebook_parameters(notebook: Path) -> dict[str, str]:
    """Name -> declared type of each parameter in the notebook's ``parameters`` cell."""
    import papermill  # heavy: only imported when something is about to be executed

    try:
        declared = papermill.inspect_notebook(str(notebook))
    except Exception as exc:  # papermill raises assorted errors for unreadable notebooks
        raise ConfigError(f"cannot read the parameters of {notebook}: {exc}") from exc
    if not declared:
        raise ConfigError(
            f"{notebook} has no cell tagged 'parameters'; tag the cell holding the defaults"
        )
    return {name: str(info.get("inferred_type_name", "None")) for name, info in declared.items()}


def validate_params(
    params: dict[str, Any],
    *,
    declared: dict[str, str] | set[str],
    cfg: RoundConfig,
    report: str,
    paths: Paths,
    source: str = "parameters",
) -> None:
    """Refuse a parameter set Papermill would run wrongly; every problem in one message."""
    problems: list[str] = []
    names = set(declared)
    unknown = sorted(set(params) - names)
    missing = sorted(names - set(params))
    if unknown:
        problems.append(
            f"unknown parameter(s) {', '.join(unknown)} (the notebook declares "
            f"{', '.join(sorted(names))})"
        )
    if missing:
        problems.append(f"missing parameter(s) {', '.join(missing)}")
    if params.get("round") != cfg.round:
        problems.append(f"round is {params.get('round')!r}, expected {cfg.round!r}")
    if report != NATIONAL:
        cpp = params.get("cpp")
        if cpp not in cfg.cpps:
            problems.append(
                f"CPP {cpp!r} is not in round {cfg.round} (params/{cfg.round}/round.yaml "
                "lists the CPPs taking part)"
            )
        elif cpp != report:
            problems.append(f"cpp is {cpp!r} but the file is for {report!r}")
    # the national notebook still takes tables_dir; a CPP's notebook finds its own tables
    tables_dir = params.get("tables_dir", "")
    if report == NATIONAL and (not isinstance(tables_dir, str) or not tables_dir):
        problems.append("tables_dir must be a project-relative path")
    elif report == NATIONAL and (
        Path(tables_dir).is_absolute() or not paths.inside(paths.root / tables_dir)
    ):
        problems.append(
            f"tables_dir {tables_dir!r} points outside the project; use a path relative to "
            "the project root such as outputs/<round>/tables"
        )
    if "synthetic" in params and not isinstance(params["synthetic"], bool):
        problems.append(f"synthetic must be true or false, not {params['synthetic']!r}")
    if params.get("baseline") is not None and not isinstance(params["baseline"], str):
        problems.append(f"baseline must be a round name or null, not {params['baseline']!r}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def check_report(spec: ReportSpec, *, paths: Paths, cfg: RoundConfig) -> dict[str, Any]:
    """Load and validate one report's parameters against its notebook and round."""
    params = load_params(spec.params_file)
    validate_params(
        params,
        declared=notebook_parameters(spec.notebook),
        cfg=cfg,
        report=spec.report,
        paths=paths,
        source=str(spec.params_file.relative_to(paths.root)),
    )
    if spec.is_national:
        tables = paths.root / params["tables_dir"]
    else:
        tables = paths.tables(cfg.round) / "by_cpp" / spec.report
    if not tables.is_dir():
        raise ConfigError(
            f"{spec.params_file.relative_to(paths.root)}: no tables "
            f"{tables.relative_to(paths.root)}; run `cpsa tables --round {cfg.round}` first"
        )
    return params
