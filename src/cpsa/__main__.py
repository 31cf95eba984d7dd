"""Allows ``python -m cpsa``."""

from cpsa.cli import main

raise SystemExit(main())
