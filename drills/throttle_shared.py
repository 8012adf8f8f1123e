"""Drill: one throttle budget for all workers.

The app runs with ``RXTRIAGE_THROTTLE_RATE=10/min`` and 3 workers, twice: with Redis (the throttle's
store is Redis) and without (a file cache in the data directory, as on the embedded default).  One
patient sends 80 requests from 8 concurrent clients, each on a new connection, so the kernel spreads
them over the workers.

Passes when, in both set-ups, exactly 10 of the 80 got an answer other than 429 (at most 10: the
budget is shared; at least 10: nothing was refused early), no answer was a 5xx or missing, and more
than one worker answered (read from the access log's process ids).
"""

from __future__ import annotations

import re
from typing import Any

from devtools.load import Request, bearer, run_load, summarize
from drills.context import DrillContext
from drills.harness import run_agent

NAME = "throttle_shared"
WORKERS = 3
RATE = 10
REQUESTS = 80
CLIENTS = 8


def _phase(ctx: DrillContext, store: str) -> dict[str, Any]:
    redis = ctx.redis() if store == "redis" else None
    name = f"{NAME}_{store}"
    env = ctx.env(
        ctx.database(name), redis.url if redis else None, name, RXTRIAGE_THROTTLE_RATE=f"{RATE}/min"
    )
    app = ctx.app(env, WORKERS, name)
    try:
        token = run_agent(env, "tokens", {"users": [{"username": f"drill-{name}", "role": "patient"}]})[
            "tokens"
        ][f"drill-{name}"]
        headers = {**bearer(token), "Connection": "close"}

        def make(client: int, i: int) -> Request:
            return Request("GET", "/api/prescriptions/requests/", headers=headers)

        ctx.log(f"{store}: {REQUESTS} requests by one patient, {CLIENTS} clients, rate {RATE}/min")
        load = run_load(app.port, make, clients=CLIENTS, max_requests=REQUESTS, max_seconds=60, timeout=10)
    finally:
        app.stop()
        if redis:
            redis.stop()
    pids = set(re.findall(r"<(\d+)> \"GET /api/prescriptions/requests/ ", app.log()))
    summary = summarize(load.samples)
    not_throttled = sum(1 for s in load.samples if s.status and s.status != 429)
    return {
        "store": store,
        "requests": summary["requests"],
        "not_429": not_throttled,
        "statuses": summary["statuses"],
        "failed": summary["failed"],
        "workers_answering": len(pids),
    }


def run(ctx: DrillContext) -> dict[str, Any]:
    phases = [_phase(ctx, "redis"), _phase(ctx, "file")]
    passed = all(
        p["requests"] == REQUESTS and p["not_429"] == RATE and p["failed"] == 0 and p["workers_answering"] > 1
        for p in phases
    )
    return {
        "passed": passed,
        "rate": f"{RATE}/min",
        "redis_not_429": phases[0]["not_429"],
        "file_not_429": phases[1]["not_429"],
        "of_requests": REQUESTS,
        "phases": phases,
    }
