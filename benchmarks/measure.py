"""Wall time and peak memory of one command, run in a fresh process.

Peak memory is reported two ways, because a build is a tree of processes:
``max_rss_mib`` is the largest resident set of any single process in the tree
(the kernel's ``ru_maxrss`` for that child and its descendants, from ``wait4``),
and ``tree_rss_mib`` is the largest *sum* over the live tree, sampled every
0.1 s with psutil when it is installed (None otherwise). The sum is what decides
whether a parallel build fits in memory; the sampler can miss a spike shorter
than its period, which is why both are kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_PERIOD = 0.1


class CommandFailed(RuntimeError):
    """A benchmarked command exited non-zero; the message points at its log."""


@dataclass(frozen=True)
class Sample:
    """One timed run of one command."""

    seconds: float
    max_rss_mib: float
    tree_rss_mib: float | None
    returncode: int


class _TreeSampler(threading.Thread):
    """Polls the summed RSS of a process and all its descendants until it exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:  # optional: the single-process peak is still measured
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        self.peak = 0.0
        while not self.stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass  # exited between listing and reading
            self.peak = max(self.peak, total / 2**20)
            self.stop.wait(SAMPLE_PERIOD)


def run_timed(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log_path: Path | None = None,
    timeout: float = 900,
    check: bool = True,
) -> Sample:
    """Run ``cmd`` to completion; its output goes to ``log_path`` (or is discarded)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        # a session of its own, so a timeout can stop the whole tree (kernels included)
        proc = subprocess.Popen(
            list(cmd), env=dict(env) if env else None, cwd=cwd,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(timeout, _kill_group, (proc.pid,))
        timer.start()
        try:
            # wait4, not Popen.wait: it also returns the child's resource usage
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stop.set()
        seconds = time.perf_counter() - start
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log_path:
            out.close()
    sample = Sample(
        seconds=seconds,
        max_rss_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        tree_rss_mib=sampler.peak,
        returncode=proc.returncode,
    )
    if check and proc.returncode != 0:
        where = f"; see {log_path}" if log_path else ""
        raise CommandFailed(f"{' '.join(cmd)} exited with {proc.returncode}{where}")
    return sample


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
