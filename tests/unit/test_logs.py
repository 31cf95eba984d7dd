"""cpsa.logs: one set-up; the console follows the current stderr; configuration is logged."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from cpsa import logs


def test_console_log_goes_to_the_stderr_of_the_moment(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPSA_ROOT", str(tmp_path))
    logger = logs.setup_logging()
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logger.info("one")
    first.close()  # what pytest's capture or a finished command leaves behind
    monkeypatch.setattr(sys, "stderr", second)
    logger.info("two")
    assert "two" in second.getvalue() and "Logging error" not in second.getvalue()


def test_log_config_is_one_json_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("cpsa")
    with caplog.at_level(logging.INFO, logger="cpsa"):
        logs.log_config(logger, "build", {"round": "demo-2026", "jobs": 2})
    message = caplog.records[-1].getMessage()
    assert message.startswith("run build config=")
    assert json.loads(message.split("config=", 1)[1]) == {"jobs": 2, "round": "demo-2026"}
