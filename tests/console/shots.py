"""Screenshots the browser tests saved (listed at the end of the run by conftest.py)."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS: list[Path] = []
