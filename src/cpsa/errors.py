"""Every exception cpsa raises on purpose, in one place.

``CpsaError`` is the base: the command line turns any of them into a clear
message and a non-zero exit code instead of a traceback. ``ConfigError`` (and
its subclasses) means "the user can fix this" and exits with 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CpsaError(Exception):
    """Base of every deliberate cpsa error; the message says what is wrong and what to do."""


class ConfigError(CpsaError):
    """A configuration problem the user can fix; the message says how."""


class ExportReadError(CpsaError):
    """The file cannot be read as an export; the message says why and what to do."""


class ExportInvalid(ConfigError):
    """The round's export has problems; ``report`` lists them all."""

    def __init__(self, report: Any):
        super().__init__(report.format())
        self.report = report


class ExecutionError(CpsaError):
    """A notebook failed; ``failed_copy`` is the executed copy with the error, if any."""

    def __init__(self, message: str, *, failed_copy: Path | None = None) -> None:
        super().__init__(message)
        self.failed_copy = failed_copy


class RenderInputError(CpsaError):
    """The executed notebook cannot be rendered (e.g. it holds an error output)."""


class QuartoError(CpsaError, RuntimeError):
    """``quarto render`` failed; the message holds the tail of its output."""


class SchemaError(ConfigError):
    """A table does not match its declaration in :mod:`cpsa.tables.schema`.

    Raised by the writer before a wrong table is published, and by the reader
    when a table on disk was written by an older cpsa (re-run ``cpsa tables``).
    """
