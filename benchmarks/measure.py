"""Wall time, CPU time and peak memory of one command, run in a fresh process.

CPU time (user + system, over the command and all its descendants) is kept next
to wall time because it is far less sensitive to other work on the machine: on a
busy machine wall time grows, CPU time barely does.

Peak memory is reported two ways, because a build is a tree of processes:
``max_rss_mib`` is the largest resident set of any single process in the tree
(the kernel's ``ru_maxrss`` for the command and its descendants, from ``wait4``),
and ``tree_mib`` is the largest *sum* over the live tree of each process's
proportional set size (PSS: pages shared between forked workers are split
between them rather than counted once per process; RSS where PSS cannot be
read), sampled every 0.1 s with psutil when it is installed (None otherwise).
The sum is what decides whether a parallel build fits in memory; the sampler can
miss a spike shorter than its period, which is why both are kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
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

    seconds: float  # wall time
    cpu_seconds: float  # user + system time of the command and its descendants
    max_rss_mib: float
    tree_mib: float | None
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
                    total += _pss(p)
                except psutil.Error:
                    pass  # exited between listing and reading
            self.peak = max(self.peak, total / 2**20)
            self.stop.wait(SAMPLE_PERIOD)


# Why a launcher: Linux charges a child's ru_maxrss with the memory of the process
# it was forked (or even vfork-ed) from, so a command started directly by the
# benchmark would report at least the benchmark's own few hundred MiB. A bare
# interpreter (-I -S) starts the command instead and reports its usage.
_LAUNCHER = """
import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss} {code} {usage.ru_utime + usage.ru_stime}")
sys.exit(code if 0 <= code < 256 else 1)
"""


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
    with tempfile.TemporaryDirectory(prefix="cpsa-bench-rusage-") as tmp:
        report = Path(tmp) / "usage"
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *cmd]
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            start = time.perf_counter()
            # a session of its own, so a timeout can stop the whole tree (kernels included)
            proc = subprocess.Popen(
                launcher, env=dict(env) if env else None, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            sampler = _TreeSampler(proc.pid)
            sampler.start()
            timer = threading.Timer(timeout, _kill_group, (proc.pid,))
            timer.start()
            try:
                proc.wait()
            finally:
                timer.cancel()
                sampler.stop.set()
            seconds = time.perf_counter() - start
            sampler.join()
        finally:
            if log_path:
                out.close()
        try:
            rss, code, cpu = report.read_text().split()
            max_rss_kib, returncode, cpu_seconds = int(rss), int(code), float(cpu)
        except (OSError, ValueError):  # killed by the timeout before it could report
            max_rss_kib, returncode, cpu_seconds = 0, proc.returncode, 0.0
    sample = Sample(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        max_rss_mib=max_rss_kib / 1024,  # Linux reports KiB
        tree_mib=sampler.peak,
        returncode=returncode,
    )
    if check and returncode != 0:
        where = f"; see {log_path}" if log_path else ""
        raise CommandFailed(f"{' '.join(cmd)} exited with {returncode}{where}")
    return sample


def _pss(proc) -> int:
    try:
        return proc.memory_full_info().pss
    except (AttributeError, OSError):  # no smaps on this system: RSS overcounts shared pages
        return proc.memory_info().rss


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
