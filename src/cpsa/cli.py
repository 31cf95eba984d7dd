"""The ``cpsa`` command line: one entry point, one subcommand per pipeline step.

All command-line code lives here: each subcommand has an ``_args_<name>``
function declaring its options and a ``_run_<name>`` function that calls the
library and prints. Library modules are imported only when their subcommand
runs, so ``cpsa validate`` does not pay for matplotlib.

Exit codes: 0 success, 1 a step failed, 2 invalid input or configuration.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cpsa import __version__
from cpsa.errors import ConfigError
from cpsa.logs import log_config, setup_logging

log = logging.getLogger("cpsa.cli")

ROUND_HELP = "round name, e.g. demo-2026"


# --------------------------------------------------------------------------- data


def _args_validate(p: argparse.ArgumentParser) -> None:
    from cpsa.data.validate import DEFAULT_CODEBOOK

    p.add_argument("file", type=Path, help="the survey export (CSV or XLSX)")
    p.add_argument("--round", default=None, help="check against this round's codebook and CPPs")
    p.add_argument(
        "--codebook", default=None, help=f"codebook id when no round is given ({DEFAULT_CODEBOOK})"
    )


def _run_validate(args: argparse.Namespace) -> int:
    from cpsa.data.validate import validate_file

    if not args.file.exists():
        raise ConfigError(f"{args.file}: no such file")
    result = validate_file(args.file, round_=args.round, codebook_id=args.codebook, tidy=False)
    report = result.report
    print(report.format(), file=sys.stderr)
    log.info(
        "validated %s: %d rows, %d problem(s)", report.source, report.n_rows, len(report.problems)
    )
    return 0 if report.ok else 2


def _args_map(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help="round name, e.g. 2026")
    p.add_argument(
        "--force", action="store_true", help="replace an existing params/<round>/columns.yaml"
    )


def _run_map(args: argparse.Namespace) -> int:
    from cpsa.config import get_paths, load_round
    from cpsa.data.codebook import load_codebook
    from cpsa.data.colmap import DROP, FIXED, write_map
    from cpsa.errors import ExportReadError

    paths = get_paths()
    try:
        target, proposals, raw = write_map(args.round, force=args.force, paths=paths)
    except ExportReadError as exc:
        raise ConfigError(str(exc)) from exc
    cfg = load_round(args.round, paths)
    cb = load_codebook(cfg.codebook, paths)
    err = sys.stderr
    print(raw.describe(), file=err)
    exact = [p for p in proposals if p.maps_to != DROP and p.exact]
    check = [p for p in proposals if p.maps_to != DROP and not p.exact]
    dropped = [p for p in proposals if p.maps_to == DROP]
    personal = [p for p in dropped if p.personal]
    mapped = {p.maps_to for p in proposals}
    missing = [x for x in [*FIXED, *(s.id for s in cb.statements)] if x not in mapped]
    rel = target.relative_to(paths.root) if paths.inside(target) else target
    print(f"wrote {rel}:", file=err)
    print(f"  {len(exact)} column(s) matched exactly (confirmed)", file=err)
    print(f"  {len(check)} column(s) to check and confirm:", file=err)
    for p in check[:20]:
        extra = f"; as close: {', '.join(x for x, _ in p.also)}" if p.also else ""
        print(f"    {p.heading!r} -> {p.maps_to} ({p.how}, {p.confidence:.2f}{extra})", file=err)
    if len(check) > 20:
        print(f"    ... and {len(check) - 20} more (see the file)", file=err)
    print(
        f"  {len(dropped)} column(s) dropped, {len(personal)} of them personal data"
        + (f": {', '.join(repr(p.heading) for p in personal[:8])}" if personal else ""),
        file=err,
    )
    if missing:
        print(f"  no column found for: {', '.join(missing)}", file=err)
    print(
        f"Next: check the entries marked 'confirmed: false' in {rel}, set them true, "
        f"then run: cpsa validate {cfg.export} --round {args.round}",
        file=err,
    )
    return 0


def _args_codebook(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="source", type=Path, required=True,
        help="the checklist: a text list (.txt/.md), a CSV list (area,statement[,id]) or an export",
    )  # fmt: skip
    p.add_argument("--id", required=True, help="the new codebook's id, e.g. psif-cpp-v1")
    p.add_argument("--title", default=None, help="the codebook's title")
    p.add_argument(
        "--previous", default=None, help="the previous round's codebook id: keep its statement ids"
    )
    p.add_argument("--force", action="store_true", help="replace an existing codebook file")


def _run_codebook(args: argparse.Namespace) -> int:
    from cpsa.config import get_paths
    from cpsa.data.codebook import codebook_changes, write_codebook

    paths = get_paths()
    target, new, previous = write_codebook(
        args.source,
        codebook_id=args.id,
        title=args.title,
        previous_id=args.previous,
        force=args.force,
        paths=paths,
    )
    rel = target.relative_to(paths.root) if paths.inside(target) else target
    print(
        f"wrote {rel}: {len(new.statements)} statements in {len(new.themes)} areas",
        file=sys.stderr,
    )
    if previous is not None:
        changes = codebook_changes(previous, new)
        print(
            f"changes since {previous.id}: {len(changes.added)} added, "
            f"{len(changes.retired)} retired, {len(changes.reworded)} reworded, "
            f"{len(changes.moved)} moved",
            file=sys.stderr,
        )
        for line in changes.lines()[:60]:
            print(f"  {line}", file=sys.stderr)
    return 0


def _args_round(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help=ROUND_HELP)


def _run_ingest(args: argparse.Namespace) -> int:
    from cpsa.data.ingest import ingest_round
    from cpsa.errors import ExportInvalid

    try:
        result = ingest_round(args.round)
    except ExportInvalid as exc:
        print(
            f"cpsa ingest: the export of round {args.round} is not valid; nothing was written.",
            file=sys.stderr,
        )
        print(exc.report.format(), file=sys.stderr)
        return 2
    if result.skipped:
        print(f"{args.round}: processed data already up to date", file=sys.stderr)
    return 0


def _args_demo(p: argparse.ArgumentParser) -> None:
    from cpsa.data.demo import DEFAULT_SEED, ROUNDS

    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    p.add_argument(
        "--round", choices=ROUNDS, default=None, help="write only this round (default: both)"
    )


def _run_demo(args: argparse.Namespace) -> int:
    from cpsa.config import get_paths
    from cpsa.data.demo import generate, write_round

    paths = get_paths()
    for name, demo in generate(seed=args.seed, paths=paths).items():
        if args.round not in (None, name):
            continue
        write_round(demo, paths=paths)
        log.info(
            "demo round %s: %d respondents in %d CPPs written to %s",
            name,
            len(demo.export),
            len(demo.cpps),
            (paths.demo / name).relative_to(paths.root),
        )
    return 0


# --------------------------------------------------------------------------- tables


def _args_tables(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help=ROUND_HELP)
    p.add_argument(
        "--out-dir", type=Path, default=None, help="write here instead of outputs/<round>/tables"
    )


def _run_tables(args: argparse.Namespace) -> int:
    from cpsa.tables.write import write_round_tables

    res = write_round_tables(args.round, out_dir=args.out_dir)
    print(
        f"{res.round}: {res.n_cpps} CPPs ({res.n_reported} with reports); "
        f"{len(res.written)} file(s) written, {len(res.unchanged)} unchanged -> {res.out_dir}"
    )
    return 0


# --------------------------------------------------------------------------- pipeline


def _run_params(args: argparse.Namespace) -> int:
    from cpsa.config import check_round_name, get_paths
    from cpsa.pipeline.params import write_round_params

    check_round_name(args.round)
    result = write_round_params(args.round)
    paths = get_paths()
    summary = {
        "written": [str(p.relative_to(paths.root)) for p in result.written],
        "unchanged": len(result.unchanged),
        "removed": [str(p.relative_to(paths.root)) for p in result.removed],
    }
    log.info("params %s: %s", args.round, json.dumps(summary))
    print(
        f"params {args.round}: {len(result.written)} written, {len(result.unchanged)} unchanged"
        + (f", {len(result.removed)} removed" if result.removed else "")
        + f" (params/{args.round}/)"
    )
    return 0


def _args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help=ROUND_HELP)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--cpp", help="build only this CPP's report (its slug, e.g. fife)")
    which.add_argument(
        "--national-only", action="store_true", help="build only the national overview"
    )
    p.add_argument(
        "--jobs", type=int, default=None, help="parallel reports (default: one per core)"
    )
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.add_argument("--timeout", type=int, default=None, help="per-cell time limit in seconds")


def _run_build(args: argparse.Namespace) -> int:
    from cpsa.config import get_paths
    from cpsa.pipeline.build import build, format_summary, os_error

    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    paths = get_paths()
    try:
        summary = build(
            args.round,
            cpp=args.cpp,
            national_only=args.national_only,
            jobs=args.jobs,
            force=args.force,
            timeout=args.timeout,
            paths=paths,
            echo=lambda line: print(line, flush=True),
        )
    except OSError as exc:  # the data steps could not write (a report's failure is caught)
        log.debug("build failed", exc_info=True)
        print(f"cpsa build: error: {os_error(exc)}", file=sys.stderr, flush=True)
        return 1
    print(format_summary(summary, paths.root), flush=True)
    return summary.exit_code


def _args_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help="round to verify, e.g. demo-2026")
    p.add_argument("--cpp", help="verify one CPP's report only (slug)")
    p.add_argument("--jobs", type=int, help="parallel re-executions (default: all cores)")
    p.add_argument("--keep", action="store_true", help="keep the scratch copy")


def _run_verify(args: argparse.Namespace) -> int:
    from cpsa.pipeline.verify import format_result, verify

    result = verify(args.round, cpp=args.cpp, jobs=args.jobs, keep=args.keep)
    print(format_result(result), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


# --------------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class Command:
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "validate": Command(
        "check a survey export against the codebook and CPP list", _args_validate, _run_validate
    ),
    "map": Command(
        "propose which export column is which statement (columns.yaml)", _args_map, _run_map
    ),
    "codebook": Command(
        "turn a checklist (export or list) into a codebook to edit", _args_codebook, _run_codebook
    ),
    "ingest": Command(
        "validate the round's export and write the processed data", _args_round, _run_ingest
    ),
    "demo-data": Command("generate the synthetic demo rounds (seeded)", _args_demo, _run_demo),
    "tables": Command(
        "compute a round's statistics into outputs/<round>/tables", _args_tables, _run_tables
    ),
    "params": Command(
        "write the Papermill parameters of every report of a round", _args_round, _run_params
    ),
    "build": Command("build a round's reports (incremental, parallel)", _args_build, _run_build),
    "verify": Command(
        "re-execute reports in a scratch folder and compare numbers", _args_verify, _run_verify
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpsa", description="National Community Planning Self-Assessment reporting pipeline"
    )
    parser.add_argument("--version", action="version", version=f"cpsa {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, help=command.help, description=command.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        build_parser().print_help()
        return 0
    parser = argparse.ArgumentParser(prog="cpsa", add_help=False)
    parser.add_argument("-v", "--verbose", action="store_true")
    known, rest = parser.parse_known_args(argv)
    if rest and rest[0] in COMMANDS:
        name = rest[0]
        sub = argparse.ArgumentParser(prog=f"cpsa {name}", description=COMMANDS[name].help)
        COMMANDS[name].arguments(sub)
        args = sub.parse_args(rest[1:])
    else:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 2
        name = args.command
    logger = setup_logging(verbose=known.verbose)
    log_config(logger, name, {k: v for k, v in vars(args).items() if not k.startswith("_")})
    try:
        return int(COMMANDS[name].run(args) or 0)
    except ConfigError as exc:
        print(f"cpsa {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cpsa {name}: interrupted; finished outputs are intact", file=sys.stderr)
        return 130
