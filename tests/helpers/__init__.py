"""Shared test helpers (fixture projects, planted strings, seeded data); never a test file."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]  # tests/
REPO = TESTS.parent
