"""Run the drills, print a table, write the JSON report.

Each drill is a module with ``NAME`` and ``run(ctx) -> dict`` (``passed`` plus its figures).  A drill
that raises fails with the error as its reason; a drill whose binaries are missing fails (or is
skipped with ``skip_missing``).  Every server is stopped at the end, whatever happened.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, TextIO

from devtools.processes import stop_everything
from drills import (
    auth_matrix,
    concurrency,
    formulary_change,
    fuzzing,
    metrics_aggregation,
    postgres_down,
    privacy,
    redis_hung,
    redis_killed,
    redis_secure,
    replica,
    slow_clients,
    throttle_shared,
)
from drills.context import DrillContext
from drills.harness import Missing

__all__ = ["DRILLS", "machine", "run"]

DRILLS: tuple[ModuleType, ...] = (
    redis_killed,
    redis_hung,
    postgres_down,
    formulary_change,
    concurrency,
    fuzzing,
    auth_matrix,
    privacy,
    redis_secure,
    replica,
    slow_clients,
    throttle_shared,
    metrics_aggregation,
)


def machine() -> dict[str, Any]:
    """The conditions of the run: host, CPUs, load, memory, versions."""
    info: dict[str, Any] = {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        info["memory_mb"] = int(meminfo[0].split()[1]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    return info


def _one(module: ModuleType, ctx: DrillContext) -> dict[str, Any]:
    name = module.NAME
    ctx.log(f"drill {name}")
    start = time.monotonic()
    try:
        result = dict(module.run(ctx))
    except Missing as exc:
        result = {"passed": False, "reason": str(exc)}
        if ctx.skip_missing:
            result = {"passed": None, "skipped": True, "reason": str(exc)}
    except Exception as exc:
        result = {"passed": False, "reason": f"{type(exc).__name__}: {exc}"}
        ctx.log(traceback.format_exc(limit=6))
    finally:
        stop_everything_but_postgres(ctx)
    return {"name": name, **result, "seconds": round(time.monotonic() - start, 1)}


def stop_everything_but_postgres(ctx: DrillContext) -> None:
    """Between drills: stop the drill's app and Redis servers; keep the shared cluster (running)."""
    cluster = ctx._cluster
    stop_everything(keep=[cluster] if cluster is not None else [])
    if cluster is not None and not cluster.running:
        cluster.start()


def _table(results: Sequence[dict[str, Any]], out: TextIO) -> None:
    out.write(f"\n{'drill':<20} {'result':<8} {'seconds':>8}  figures\n")
    for r in results:
        verdict = "skipped" if r.get("skipped") else ("PASS" if r["passed"] else "FAIL")
        out.write(f"{r['name']:<20} {verdict:<8} {r['seconds']:>8}  {_headline(r)}\n")


def _headline(result: dict[str, Any]) -> str:
    if result.get("reason"):
        return str(result["reason"])[:100]
    keys = [
        k
        for k, v in result.items()
        if k not in ("name", "passed", "seconds") and not isinstance(v, dict | list)
    ]
    return ", ".join(f"{k}={result[k]}" for k in keys[:6])


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run(
    *,
    quick: bool = False,
    json_path: str | None = None,
    only: Sequence[str] = (),
    skip_missing: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the drills (all, or ``only`` these names); 0 when every drill run passed, else 1."""
    import sys

    out = out or sys.stdout
    drills = [d for d in DRILLS if not only or d.NAME in only]
    unknown = set(only) - {d.NAME for d in DRILLS}
    if unknown:
        raise ValueError(
            f"unknown drills: {', '.join(sorted(unknown))}; known: {', '.join(d.NAME for d in DRILLS)}"
        )
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="rxdrill-"))
    ctx = DrillContext(quick=quick, workdir=workdir, skip_missing=skip_missing)
    started = dt.datetime.now(dt.UTC)
    begin = time.monotonic()
    results: list[dict[str, Any]] = []
    try:
        for module in drills:
            results.append(_one(module, ctx))
    finally:
        stop_everything()
        ctx.close()
        signal.signal(signal.SIGTERM, previous)
    ok = all(r["passed"] is not False for r in results)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "passed": ok,
        "seconds": round(time.monotonic() - begin, 1),
        "machine": machine(),
        "drills": results,
    }
    _table(results, out)
    out.write(f"\n{'all drills passed' if ok else 'SOME DRILLS FAILED'} in {report['seconds']} s\n")
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2, default=str) + "\n")
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        out.write(f"logs kept in {workdir}\n")
    return 0 if ok else 1
