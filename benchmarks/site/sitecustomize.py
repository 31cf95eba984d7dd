"""Installs the stage probe in every Python process of a benchmarked build.

``cpsa build`` starts its workers with multiprocessing's *spawn*, so a probe
installed in the parent would not reach them. The benchmark puts this folder on
``PYTHONPATH`` and names the probe log in ``CPSA_BENCH_PROBE``; Python imports
``sitecustomize`` at start-up in the parent, every worker and every kernel, and
each one appends its stage timings to the same log. Without the variable this
does nothing.
"""

import os

if os.environ.get("CPSA_BENCH_PROBE"):
    import importlib.util
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location(
        "cpsa_bench_probe", Path(__file__).resolve().parents[1] / "probe.py"
    )
    _probe = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_probe)
    _probe.install(os.environ["CPSA_BENCH_PROBE"])
