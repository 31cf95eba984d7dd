"""The ``cpsa`` command line: one entry point, one subcommand per pipeline step.

Each subcommand lives in its own module, which provides
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only
when their subcommand runs, so ``cpsa validate`` does not pay for matplotlib.

Exit codes: 0 success, 1 a step failed, 2 invalid input or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from cpsa import __version__
from cpsa.config import ConfigError
from cpsa.logs import log_config, setup_logging

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("cpsa.data.validate", "check a survey export against the codebook and CPP list"),
    "map": ("cpsa.data.colmap", "propose which export column is which statement (columns.yaml)"),
    "codebook": ("cpsa.data.codebook", "turn a checklist (export or list) into a codebook to edit"),
    "ingest": ("cpsa.data.ingest", "validate the round's export and write the processed data"),
    "demo-data": ("cpsa.data.demo", "generate the synthetic demo rounds (seeded)"),
    "tables": ("cpsa.tables.write", "compute a round's statistics into outputs/<round>/tables"),
    "params": ("cpsa.pipeline.params", "write the Papermill parameters of every report of a round"),
    "build": ("cpsa.pipeline.build", "build a round's reports (incremental, parallel)"),
    "verify": (
        "cpsa.pipeline.verify",
        "re-execute reports in a scratch folder and compare numbers",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpsa", description="National Community Planning Self-Assessment reporting pipeline"
    )
    parser.add_argument("--version", action="version", version=f"cpsa {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(_module=module)
        # argparse needs the options now; importing the module is cheap for arguments
        mod = importlib.import_module(module)
        mod.add_arguments(p)
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
        module = importlib.import_module(COMMANDS[name][0])
        sub = argparse.ArgumentParser(prog=f"cpsa {name}", description=COMMANDS[name][1])
        module.add_arguments(sub)
        args = sub.parse_args(rest[1:])
    else:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 2
        name = args.command
        module = importlib.import_module(COMMANDS[name][0])
    logger = setup_logging(verbose=known.verbose)
    log_config(logger, name, {k: v for k, v in vars(args).items() if not k.startswith("_")})
    try:
        return int(module.run(args) or 0)
    except ConfigError as exc:
        print(f"cpsa {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cpsa {name}: interrupted; finished outputs are intact", file=sys.stderr)
        return 130
