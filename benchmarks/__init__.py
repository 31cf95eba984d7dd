"""The cpsa performance benchmark (``make bench``); see docs/performance.md.

``run.py`` is the entry point. The modules: ``measure`` (time and memory of one
command in a fresh process), ``stats`` (medians, ratios, the floor, targets),
``results`` (outputs/bench/results.json and results.md), ``project`` (scratch
copies of the project so the benchmark never touches the real outputs),
``scale`` (ingest + analysis of large synthetic rounds) and ``builds`` (cold,
naive, no-op and one-CPP builds of demo-2026).
"""
