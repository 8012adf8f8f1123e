"""Drill 1: Redis killed under load.

The app runs on its own PostgreSQL database and its own ``redis-server``, with the in-process L1 cache
off (``DRUG_CACHE_L1_SIZE=0``) so that every lookup goes to Redis: the hardest case for a Redis outage.
A healthy load is measured; then, under the same load, Redis is killed (SIGKILL), the outage is
measured, Redis is started again on the same port (empty), and the drill waits until the app uses it
again: keys written back and read (keyspace hits) without restarting the app.

Passes when no request fails (no 5xx, no dropped connection), the outage p99 is within
``ADDED_P99_BOUND_MS`` of the healthy p99, and the cache is used again within ``RECOVERY_BOUND_S``.
"""

from __future__ import annotations

import time
from typing import Any

from rxtriage.drills.context import DrillContext
from rxtriage.drills.harness import RedisServer, background_load, run_agent, run_load, summarize, wait_until
from rxtriage.drills.workload import lookup_mix

NAME = "redis_killed"
ADDED_P99_BOUND_MS = 5.0
RECOVERY_BOUND_S = 15.0  # the breaker probes every REDIS_BREAKER_RESET (5 s) seconds
WORKERS = 3
CLIENTS = 4


def _redis_used(redis: RedisServer) -> bool:
    """Redis holds drug keys and has served reads of them (keyspace hits)."""
    client = redis.client()
    return int(client.dbsize()) > 0 and int(client.info("stats")["keyspace_hits"]) > 0


def run(ctx: DrillContext) -> dict[str, Any]:
    healthy_s, outage_s = ctx.pick(8.0, 30.0), ctx.pick(8.0, 30.0)
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME, DRUG_CACHE_L1_SIZE="0")
    app = ctx.app(env, WORKERS, NAME)
    try:
        token = run_agent(env, "tokens", {"users": [{"username": "drill-rk", "role": "patient"}]})["tokens"]
        make = lookup_mix(token["drill-rk"])
        run_load(app.port, make, clients=CLIENTS, max_requests=200, max_seconds=5)  # warm Redis
        boots = app.log().count("Booting worker")
        ctx.log(f"healthy load, {healthy_s:.0f} s")
        healthy = run_load(app.port, make, clients=CLIENTS, max_requests=100_000, max_seconds=healthy_s)
        total_s = outage_s + RECOVERY_BOUND_S + 10
        with background_load(app.port, make, clients=CLIENTS, max_requests=1_000_000, max_seconds=total_s) as out:
            time.sleep(2)
            killed_at = time.time()
            ctx.log("killing redis-server (SIGKILL) under load")
            redis.kill()
            time.sleep(outage_s)
            restarted_at = time.time()
            ctx.log("starting redis-server again on the same port")
            redis = RedisServer(ctx.workdir, port=redis.port).start()
            recovered_s = wait_until(lambda: _redis_used(redis), RECOVERY_BOUND_S, interval=0.2)
            time.sleep(1)
        load = out[0]
        redis.stop()
    finally:
        app.stop()
    outage = load.where(lambda s: killed_at <= s.sent and s.received <= restarted_at)
    base, down, every = summarize(healthy.samples), summarize(outage), summarize(load.samples)
    added = round(down["p99_ms"] - base["p99_ms"], 2)
    restarted_app = app.log().count("Booting worker") != boots
    failed = base["failed"] + every["failed"]
    passed = failed == 0 and added <= ADDED_P99_BOUND_MS and recovered_s is not None and not restarted_app
    return {
        "passed": passed,
        "failed_requests": failed,
        "healthy": base,
        "redis_down": down,
        "whole_drill": every,
        "added_p99_ms": added,
        "added_p99_bound_ms": ADDED_P99_BOUND_MS,
        "cache_used_again_after_s": None if recovered_s is None else round(recovered_s, 2),
        "recovery_bound_s": RECOVERY_BOUND_S,
        "app_restarted": restarted_app,
        "workers": WORKERS,
        "clients": CLIENTS,
        "l1_cache": "off (every lookup goes to Redis)",
    }
