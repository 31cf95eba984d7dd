"""Placeholder: being written (see docs/architecture.md)."""


def add_arguments(parser):
    parser.add_argument("--round")


def run(args):
    raise NotImplementedError("cpsa params is not built yet")
