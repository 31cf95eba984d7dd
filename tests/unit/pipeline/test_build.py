"""cpsa.pipeline.build without kernels: publishing a staged report, naming a render fault,
workers that die with the build."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpsa.config import ConfigError, Paths
from cpsa.pipeline import build
from cpsa.pipeline import manifest as mf
from cpsa.pipeline.params import report_spec

ROUND = "demo-2030"


def _stage(paths: Paths, report: str, text: str) -> Path:
    """A staging folder holding every output of ``report`` with content ``text``."""
    spec = report_spec(paths, ROUND, report)
    round_dir = paths.round_outputs(ROUND)
    round_dir.mkdir(parents=True, exist_ok=True)
    stage = round_dir / f"{build.STAGE_PREFIX}{report}-test"
    for path in mf.report_outputs(spec, paths).values():
        staged = stage / path.relative_to(round_dir)
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(f"{text} {path.name}\n")
    return stage


def _published(paths: Paths, report: str) -> dict[str, str]:
    spec = report_spec(paths, ROUND, report)
    return {
        role: p.read_text() if p.is_file() else "(missing)"
        for role, p in mf.report_outputs(spec, paths).items()
    }


def _publish(paths: Paths, stage: Path, lock: build.RoundLock, digest: str = "d1") -> None:
    outcome = build.ReportOutcome("fife", "built", stage=stage)
    spec = report_spec(paths, ROUND, "fife")
    build.publish(outcome, spec, paths, lock=lock, digest=digest, inputs={}, code={"s": "1"})


def test_publish_moves_the_whole_set_and_writes_the_manifest(tmp_path: Path) -> None:
    paths = Paths(root=tmp_path)
    with build._round_lock(paths, ROUND) as lock:
        _publish(paths, _stage(paths, "fife", "old"), lock)
        assert set(_published(paths, "fife").values()) == {
            f"old {n}\n"
            for n in (
                "fife.ipynb",
                "fife.html",
                "fife.pdf",
                "fife-improvement-plan.xlsx",
                "fife.docx",
                "fife-workshop.pptx",
            )
        }
        manifest = mf.read_manifest(paths, ROUND, "fife")
        assert manifest is not None and manifest.digest == "d1"
        spec = report_spec(paths, ROUND, "fife")
        assert mf.file_problems(manifest, spec, paths) == []
        assert build._report_current(paths, spec, "d1")
        assert not build._report_current(paths, spec, "d2")
        (paths.reports(ROUND) / "fife.html").write_text("edited")
        assert not build._report_current(paths, spec, "d1")
    assert not list(paths.round_outputs(ROUND).glob(f"{build.STAGE_PREFIX}*"))


def test_a_failed_move_puts_the_previous_complete_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = Paths(root=tmp_path)
    with build._round_lock(paths, ROUND) as lock:
        _publish(paths, _stage(paths, "fife", "old"), lock)
        before = _published(paths, "fife")
        real = os.replace

        def replace(src, dst, *args, **kwargs):
            if Path(dst).name == "fife.pdf" and ".stage-" in str(src):
                raise OSError(errno.ENOSPC, "No space left on device", str(dst))
            return real(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(OSError):
            _publish(paths, _stage(paths, "fife", "new"), lock, digest="d2")
        monkeypatch.setattr(os, "replace", real)
        assert _published(paths, "fife") == before  # never a mix of old and new
        restored = mf.read_manifest(paths, ROUND, "fife")  # and its manifest still holds
        assert restored is not None and restored.digest == "d1"
        # and not taken for a good build: the next build rebuilds it
        assert not build._report_current(paths, report_spec(paths, ROUND, "fife"), "d1")


def test_publish_refuses_when_the_lock_is_no_longer_this_builds(tmp_path: Path) -> None:
    paths = Paths(root=tmp_path)
    with build._round_lock(paths, ROUND) as lock:
        stage = _stage(paths, "fife", "new")
        lock.file.unlink()
        lock.file.write_text("")  # another build's lock file
        with pytest.raises(ConfigError, match="build lock"):
            _publish(paths, stage, lock)
    assert _published(paths, "fife")["html"] == "(missing)"


# --------------------------------------------------------------------------- render faults

NB = {
    "cells": [
        {"cell_type": "raw", "metadata": {}, "source": "---\ntitle: x\n---"},
        {"cell_type": "markdown", "metadata": {}, "source": "# Heading", "id": "intro"},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "cpp = 'x'"},
        {
            "cell_type": "code",
            "metadata": {},
            "id": "comments",
            "source": "comments('T1')",
            "outputs": [
                {
                    "output_type": "display_data",
                    "data": {"text/markdown": "- fine\n- thanks to @fife_council\n- also fine"},
                }
            ],
        },
        {"cell_type": "markdown", "metadata": {}, "source": "## End", "id": "end"},
    ]
}


def _shows(nb: dict, needle: str) -> bool:
    return any(needle in (build._displayed(c) or "") for c in nb["cells"])


def test_the_cell_and_line_that_break_a_render_are_named() -> None:
    calls = []

    def fails(nb: dict) -> bool:
        calls.append(1)
        return _shows(nb, "@fife")

    fault = build.find_fault(NB, fails)
    assert fault == (
        "cell 3 (id comments), output of: \"comments('T1')\", displayed line 2: "
        "'- thanks to @fife_council'"
    )
    assert len(calls) <= 8  # bisection, not one render per cell


def test_no_fault_is_named_when_it_cannot_be_pinned_down() -> None:
    assert build.find_fault(NB, lambda nb: False) is None
    assert build.find_fault(NB, lambda nb: True, budget=-1) is None


# --------------------------------------------------------------------------- workers


def test_a_worker_dies_when_its_build_is_killed(tmp_path: Path) -> None:
    """kill -9 of the parent alone: the child armed by die_with_parent follows at once."""
    pid_file = tmp_path / "child.pid"
    child_py = tmp_path / "child.py"
    child_py.write_text(
        "import os, sys, time\n"
        "from cpsa.pipeline.build import die_with_parent\n"
        "die_with_parent(os.getppid())\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(120)\n"
    )
    script = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, {str(child_py)!r}])\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.is_file() and pid_file.read_text()):
            assert time.monotonic() < deadline and parent.poll() is None, "no child started"
            time.sleep(0.1)
        child = int(pid_file.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while _alive(child):
            assert time.monotonic() < deadline, "the worker outlived its build by 5 s"
            time.sleep(0.1)
    finally:
        with __import__("contextlib").suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
