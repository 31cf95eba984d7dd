"""One logging set-up for every command.

Logs go to stderr and to ``outputs/logs/cpsa.log``. Each command logs its
configuration at start (``log_config``) so a run can be reconstructed from the
log. Comment text and respondent ids are never logged: only counts and paths.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from cpsa.config import get_paths

_CONFIGURED = False


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record.

    A handler bound to the stderr of the first command would keep writing to a
    closed stream after that stream is replaced (by pytest's capture, or by a
    notebook kernel), which prints "--- Logging error ---" tracebacks.
    """

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it
        pass


def setup_logging(*, verbose: bool = False) -> logging.Logger:
    global _CONFIGURED
    logger = logging.getLogger("cpsa")
    if _CONFIGURED:
        return logger
    level = logging.DEBUG if verbose or os.environ.get("CPSA_DEBUG") else logging.INFO
    logger.setLevel(logging.DEBUG)
    console = _CurrentStderr()
    console.setLevel(level)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(console)
    try:
        logdir = get_paths().outputs / "logs"
        logdir.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(logdir / "cpsa.log", encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(
            logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
        )
        logger.addHandler(fh)
    except OSError as exc:  # a read-only outputs folder must not stop validation
        logger.warning("file log disabled: %s", exc)
    _CONFIGURED = True
    return logger


def log_config(logger: logging.Logger, command: str, config: dict[str, Any]) -> None:
    """Record the full configuration of a run, as one JSON line."""
    logger.info("run %s config=%s", command, json.dumps(config, sort_keys=True, default=str))
