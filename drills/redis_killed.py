"""Drill 1: Redis killed under load.

The app runs on its own PostgreSQL database and its own ``redis-server``, with the in-process L1 cache
off (``DRUG_CACHE_L1_SIZE=0``) so that every lookup goes to Redis: the hardest case for a Redis outage.
Under one steady load, healthy and outage windows alternate for a few cycles (so the drift of a shared
machine hits both alike): Redis is killed (SIGKILL), the outage is measured, Redis is started again on
the same port (empty), and the drill waits until the app uses it again (every worker connected, keys
written back and read: keyspace hits) without restarting the app.

Passes when no request fails (no 5xx, no dropped connection), the outage adds at most
``ADDED_P99_BOUND_MS`` to the p99, and the cache is used again within ``RECOVERY_BOUND_S``.

The added p99 is judged per cycle, each outage window against the healthy windows on either side of
it, and the drill takes the median over the cycles.  A cost of the outage itself (a timeout, a slow
fallback) shows in every cycle, so the median keeps it; a burst of noise from the rest of a shared
2-core machine lands in one window, and used to decide a pooled p99 of a few hundred samples alone.
The pooled figure is still reported.
"""

from __future__ import annotations

import time
from functools import partial
from statistics import median
from typing import Any

from devtools.load import Sample, background_load, run_load, summarize
from devtools.processes import wait_until
from drills.context import DrillContext
from drills.harness import RedisServer, run_agent
from drills.workload import lookup_mix

NAME = "redis_killed"
ADDED_P99_BOUND_MS = 15.0  # the database fallback (L1 off) plus the noise of a shared 2-core machine
RECOVERY_BOUND_S = 15.0  # the breaker probes every REDIS_BREAKER_RESET (5 s) seconds
WORKERS = 3
CLIENTS = 2
PAUSE_S = 0.01  # per client between requests: a steady load below saturation on 2 shared cores


def redis_used(redis: RedisServer, workers: int) -> bool:
    """Every worker is connected to Redis again, and Redis holds drug keys and has served reads of them."""
    client = redis.client()
    hits = int(client.info("stats")["keyspace_hits"])
    return redis.app_connections() >= workers and int(client.dbsize()) > 0 and hits > 0


def _window(seconds: float) -> tuple[float, float]:
    """Let the load run for ``seconds``; the wall-clock window it covered."""
    start = time.time()
    time.sleep(seconds)
    return start, time.time()


def within(samples: list[Sample], windows: list[tuple[float, float]]) -> list[Sample]:
    """The samples sent and answered inside one of the windows."""
    return [s for s in samples if any(a <= s.sent and s.received < b for a, b in windows)]


def added_p99_per_cycle(
    samples: list[Sample], healthy: list[tuple[float, float]], outage: list[tuple[float, float]]
) -> list[float]:
    """For each outage window, its p99 minus the p99 of the healthy windows just before and after it."""
    added = []
    for i, window in enumerate(outage):
        base = summarize(within(samples, healthy[i : i + 2]))["p99_ms"]
        added.append(round(summarize(within(samples, [window]))["p99_ms"] - base, 2))
    return added


def run(ctx: DrillContext) -> dict[str, Any]:
    cycles, phase_s = ctx.pick((3, 4.0), (4, 12.0))
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME, DRUG_CACHE_L1_SIZE="0")
    app = ctx.app(env, WORKERS, NAME)
    healthy_windows: list[tuple[float, float]] = []
    outage_windows: list[tuple[float, float]] = []
    recoveries: list[float | None] = []
    try:
        token = run_agent(env, "tokens", {"users": [{"username": "drill-rk", "role": "patient"}]})["tokens"]
        make = lookup_mix(token["drill-rk"])
        run_load(app.port, make, clients=CLIENTS, max_requests=200, max_seconds=5)  # warm Redis
        boots = app.log().count("Booting worker")
        total_s = cycles * (2 * phase_s + RECOVERY_BOUND_S) + 20
        options = {"clients": CLIENTS, "max_requests": 1_000_000, "max_seconds": total_s, "pause": PAUSE_S}
        with background_load(app.port, make, **options) as out:
            for cycle in range(cycles):  # healthy and outage windows alternate, so drift hits both alike
                ctx.log(f"cycle {cycle + 1}/{cycles}: healthy {phase_s:.0f} s, redis killed {phase_s:.0f} s")
                healthy_windows.append(_window(phase_s))
                redis.kill()
                outage_windows.append(_window(phase_s))
                redis = RedisServer(ctx.workdir, port=redis.port).start()
                recoveries.append(
                    wait_until(partial(redis_used, redis, WORKERS), RECOVERY_BOUND_S, interval=0.2)
                )
            healthy_windows.append(_window(phase_s))
        load = out[0]
        keys_after = int(redis.client().dbsize())
        redis.stop()
    finally:
        app.stop()
    healthy, outage = within(load.samples, healthy_windows), within(load.samples, outage_windows)
    recovered_s = None if None in recoveries else max(r for r in recoveries if r is not None)
    base, down, every = summarize(healthy), summarize(outage), summarize(load.samples)
    per_cycle = added_p99_per_cycle(load.samples, healthy_windows, outage_windows)
    added = round(median(per_cycle), 2)
    restarted_app = app.log().count("Booting worker") != boots
    passed = (
        every["failed"] == 0 and added <= ADDED_P99_BOUND_MS and recovered_s is not None and not restarted_app
    )
    return {
        "passed": passed,
        "failed_requests": every["failed"],
        "added_p99_ms": added,
        "added_p99_bound_ms": ADDED_P99_BOUND_MS,
        "added_p99_per_cycle_ms": per_cycle,
        "added_p99_pooled_ms": round(down["p99_ms"] - base["p99_ms"], 2),
        "cache_used_again_after_s": None if recovered_s is None else round(recovered_s, 2),
        "recovery_bound_s": RECOVERY_BOUND_S,
        "app_restarted": restarted_app,
        "redis_keys_after": keys_after,
        "healthy": base,
        "redis_down": down,
        "whole_drill": every,
        "cycles": cycles,
        "workers": WORKERS,
        "clients": CLIENTS,
        "l1_cache": "off (every lookup goes to Redis)",
    }
