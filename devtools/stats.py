"""Nearest-rank percentiles and latency summaries, one definition for every tool."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["percentile", "summary"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def summary(samples_ns: Sequence[int]) -> dict[str, Any]:
    """n, p50/p95/p99, mean, min and max in microseconds (nearest-rank percentiles) of timings in ns."""
    if not samples_ns:
        return {"n": 0, "p50_us": None, "p95_us": None, "p99_us": None, "mean_us": None}
    ordered = sorted(samples_ns)
    return {
        "n": len(ordered),
        "p50_us": round(percentile(ordered, 50) / 1000, 2),
        "p95_us": round(percentile(ordered, 95) / 1000, 2),
        "p99_us": round(percentile(ordered, 99) / 1000, 2),
        "mean_us": round(sum(ordered) / len(ordered) / 1000, 2),
        "min_us": round(ordered[0] / 1000, 2),
        "max_us": round(ordered[-1] / 1000, 2),
    }
