"""Reliability and security drills (``rxtriage drill``): real servers on loopback, bounded loads.

See ``docs/reliability.md`` for what each drill proves and the figures of a full run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run"]


def run(**options: Any) -> int:
    """Run the drills; see :func:`rxtriage.drills.runner.run`."""
    from rxtriage.drills.runner import run as _run

    return _run(**options)
