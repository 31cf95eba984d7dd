"""The benchmark's own helpers: statistics, targets, the results table, measuring, probing.

No timing assertions: a benchmark's numbers depend on the machine. What is checked
is the arithmetic (against worked examples), the table format, and that memory
is measured per command rather than accumulated over the benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import REPO

sys.path.insert(0, str(REPO))  # benchmarks/ is not installed

from benchmarks import builds, probe  # noqa: E402
from benchmarks.measure import CommandFailed, run_timed  # noqa: E402
from benchmarks.results import markdown_table, write_results  # noqa: E402
from benchmarks.stats import Measure, Target, floor_seconds, fmt, median, ratios  # noqa: E402


def test_median_worked_examples():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5  # even count: mean of the middle two
    with pytest.raises(ValueError, match="no runs"):
        median([])


def test_ratios_are_paired_run_by_run():
    assert ratios([10.0, 9.0], [5.0, 3.0]) == pytest.approx((2.0, 3.0))
    # the median of paired ratios is not the ratio of medians: 2.5 vs 9.5 / 4 = 2.375
    assert median(ratios([10.0, 9.0], [5.0, 3.0])) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="paired"):
        ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="zero"):
        ratios([1.0], [0.0])


def test_floor_is_one_report_spread_over_the_cores():
    assert floor_seconds(one_report=8.0, n_reports=25, cores=2) == pytest.approx(100.0)
    assert floor_seconds(one_report=3.0, n_reports=1, cores=1) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        floor_seconds(one_report=8.0, n_reports=25, cores=0)


@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        (Target(2, "s"), 1.99, True),
        (Target(2, "s"), 2.0, True),  # "under 2 s" is read as at most 2 s
        (Target(2, "s"), 2.01, False),
        (Target(2, "x", "min"), 2.0, True),
        (Target(2, "x", "min"), 1.9, False),
        (Target(1.25, "x"), 1.3, False),
    ],
)
def test_target_boundaries(target, value, met):
    assert target.met(value) is met


def test_measure_is_judged_on_its_median_not_its_worst_run():
    m = Measure("k", "label", (1.0, 5.0, 30.0), "s", Target(20, "s"))
    assert m.median == 5.0
    assert m.met is True
    assert Measure("k", "label", (25.0, 21.0, 3.0), "s", Target(20, "s")).met is False
    assert Measure("k", "label", (1.0,), "s").met is None


def test_fmt():
    assert fmt(1.234, "s") == "1.23 s"
    assert fmt(123.45, "s") == "123.5 s"
    assert fmt(2.5, "x") == "2.50x"
    assert fmt(1023.6, "MiB") == "1024 MiB"


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]


def test_markdown_table():
    measures = [
        Measure("a", "no-op rebuild", (0.5, 0.7, 0.6), "s", Target(2, "s"), cpu=(0.4, 0.2, 0.3)),
        Measure("b", "speed-up", (1.5, 1.7), "x", Target(2, "x", "min")),
        Measure("c", "naive loop", (300.0,), "s", note="sequential"),
    ]
    rows = _rows(markdown_table(measures))
    assert rows[0] == ["measure", "median", "CPU time", "runs", "target", "met?"]
    assert len(rows) == 2 + len(measures)
    assert rows[2] == ["no-op rebuild", "0.60 s", "0.30 s", "3", "≤ 2.00 s", "yes"]
    assert rows[3] == ["speed-up", "1.60x", "—", "2", "≥ 2.00x", "**no**"]
    assert rows[4] == ["naive loop (sequential)", "300.0 s", "—", "1", "—", "—"]


def test_write_results_round_trips(tmp_path):
    runs = (4.0, 1.0, 2.5, 3.0)
    m = Measure("one_cpp_seconds", "one-CPP rebuild", runs, "s", Target(15, "s"))
    json_path, md_path = write_results(tmp_path, [m], {"cores": 2}, notes=["a note"])
    data = json.loads(json_path.read_text())
    (rec,) = data["measures"]
    assert rec["runs"] == list(runs)
    assert rec["median"] == pytest.approx(2.75)  # (2.5 + 3.0) / 2
    assert rec["met"] is True
    assert data["notes"] == ["a note"]
    md = md_path.read_text()
    assert "| one-CPP rebuild | 2.75 s | — | 4 | ≤ 15.0 s | yes |" in md
    assert "- a note" in md


def test_run_timed_measures_each_command_on_its_own(tmp_path):
    big = "b = b'x' * (200 * 2**20); print(len(b))"
    sample = run_timed([sys.executable, "-c", big], log_path=tmp_path / "log")
    assert sample.returncode == 0
    assert 190 <= sample.max_rss_mib < 1000
    assert (tmp_path / "log").read_text().strip() == str(200 * 2**20)
    # a small command measured afterwards must not inherit the big one's peak
    small = run_timed([sys.executable, "-c", "pass"])
    assert small.max_rss_mib < 100


def test_run_timed_reports_failure(tmp_path):
    with pytest.raises(CommandFailed, match="exited with 3"):
        run_timed([sys.executable, "-c", "raise SystemExit(3)"], log_path=tmp_path / "log")
    assert run_timed([sys.executable, "-c", "raise SystemExit(3)"], check=False).returncode == 3


def test_probe_logs_every_call_even_failing_ones(tmp_path):
    log = tmp_path / "stages.jsonl"

    def ok(x):
        return x * 2

    def boom():
        raise RuntimeError("no")

    timed_ok = probe._timed("execute", ok, str(log))
    assert timed_ok(21) == 42
    assert timed_ok.__name__ == "ok"
    with pytest.raises(RuntimeError):
        probe._timed("render", boom, str(log))()
    timed_ok(1)
    stages = probe.read_log(log)
    assert sorted(stages) == ["execute", "render"]
    assert len(stages["execute"]) == 2 and len(stages["render"]) == 1
    assert all(s >= 0 for v in stages.values() for s in v)
    assert probe.read_log(tmp_path / "missing.jsonl") == {}


def test_built_lines_are_counted_but_failures_are_not():
    text = "[1/3] built national (7.4 s)\n[2/3] FAILED fife: boom\n[3/3] built angus (6.1 s)\n"
    assert len(builds._BUILT.findall(text)) == 2


def test_naive_script_is_valid_bash(tmp_path):
    script = builds.naive_script(tmp_path / "project", tmp_path / "out")
    assert "papermill" in script and "nbconvert --to html --no-input" in script
    (tmp_path / "naive.sh").write_text(script)
    subprocess.run(["bash", "-n", str(tmp_path / "naive.sh")], check=True)


def test_run_timed_stops_a_command_at_its_timeout():
    sample = run_timed(["sleep", "30"], timeout=0.5, check=False)
    assert sample.returncode == -9  # SIGKILL to the command's process group
