"""Reliability and security drills (``python -m drills``): real servers on loopback, bounded loads.

See ``docs/reliability.md`` for what each drill proves and the figures of a full run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run"]


def run(**options: Any) -> int:
    """Run the drills; see :func:`drills.runner.run`."""
    from drills.runner import run as _run

    return _run(**options)
