"""Drill 2: Redis hung (a listener that accepts connections and never answers).

As in drill 1, the app runs with the L1 cache off so every lookup calls Redis.  Under a steady load,
the real ``redis-server`` is replaced on the same port by a listener that accepts and never answers:
connections succeed and every command waits for a reply that never comes.  Only the client's socket
timeout (``REDIS_SOCKET_TIMEOUT``, 50 ms) and the circuit breaker stand between that and the patient.
Then the real server comes back on the port and the drill waits until every worker uses it again.

Passes when no request fails, every request during the hang answers within ``HUNG_MAX_BOUND_MS``,
the hang's p99 stays within ``HUNG_ADDED_P99_BOUND_MS`` of the healthy p99, the breaker opened (logged
by the workers) and closed again by itself, and Redis is used again within ``RECOVERY_BOUND_S``.
"""

from __future__ import annotations

import time
from typing import Any

from devtools.load import background_load, run_load, summarize
from devtools.processes import wait_until
from drills.context import DrillContext
from drills.harness import HungListener, RedisServer, run_agent
from drills.redis_killed import CLIENTS, PAUSE_S, RECOVERY_BOUND_S, WORKERS, redis_used
from drills.workload import lookup_mix

NAME = "redis_hung"
# A request that meets the hung Redis waits at most two socket timeouts (MGET, then the write-back
# pipeline) before the breaker opens: 2 x 50 ms, plus the request's own time on a busy machine.
HUNG_MAX_BOUND_MS = 500.0
HUNG_ADDED_P99_BOUND_MS = 100.0
SLOW_MS = 45.0  # a request this much slower than the healthy median met at least one timeout


def run(ctx: DrillContext) -> dict[str, Any]:
    phase_s = ctx.pick(12.0, 40.0)
    redis = ctx.redis()
    port = redis.port
    env = ctx.env(ctx.database(NAME), redis.url, NAME, DRUG_CACHE_L1_SIZE="0")
    app = ctx.app(env, WORKERS, NAME)
    hung: HungListener | None = None
    try:
        token = run_agent(env, "tokens", {"users": [{"username": "drill-rh", "role": "patient"}]})["tokens"]
        make = lookup_mix(token["drill-rh"])
        run_load(app.port, make, clients=CLIENTS, max_requests=200, max_seconds=5)  # warm Redis
        total_s = 3 * phase_s + RECOVERY_BOUND_S + 10
        load_options = {
            "clients": CLIENTS,
            "max_requests": 1_000_000,
            "max_seconds": total_s,
            "pause": PAUSE_S,
        }
        with background_load(app.port, make, **load_options) as out:
            ctx.log(f"healthy load, {phase_s:.0f} s")
            begin = time.time()
            time.sleep(phase_s)
            hung_at = time.time()
            ctx.log(f"replacing redis-server by a listener that never answers, {phase_s:.0f} s")
            redis.kill()
            hung = HungListener(port).start()
            time.sleep(phase_s)
            restored_at = time.time()
            ctx.log("real redis-server back on the port")
            hung.stop()
            redis = RedisServer(ctx.workdir, port=port).start()
            recovered_s = wait_until(lambda: redis_used(redis, WORKERS), RECOVERY_BOUND_S, interval=0.2)
            after_from = time.time()
            ctx.log(f"healthy again, {phase_s:.0f} s")
            time.sleep(phase_s)
            end = time.time()
        load = out[0]
        redis.stop()
    finally:
        if hung is not None:
            hung.stop()
        app.stop()
    healthy = load.where(lambda s: begin <= s.sent and s.received < hung_at)
    healthy += load.where(lambda s: after_from <= s.sent and s.received < end)
    during = load.where(lambda s: hung_at <= s.sent and s.received < restored_at)
    base, hang, every = summarize(healthy), summarize(during), summarize(load.samples)
    log = app.log()
    opened, closed = log.count("redis circuit breaker opened"), log.count("redis circuit breaker closed")
    slow = sum(1 for s in during if s.latency_ms >= base["p50_ms"] + SLOW_MS)
    added = round(hang["p99_ms"] - base["p99_ms"], 2)
    passed = (
        every["failed"] == 0
        and hang["max_ms"] <= HUNG_MAX_BOUND_MS
        and added <= HUNG_ADDED_P99_BOUND_MS
        and opened >= 1
        and closed >= 1
        and recovered_s is not None
    )
    return {
        "passed": passed,
        "failed_requests": every["failed"],
        "hung_max_ms": hang["max_ms"],
        "hung_max_bound_ms": HUNG_MAX_BOUND_MS,
        "added_p99_ms": added,
        "added_p99_bound_ms": HUNG_ADDED_P99_BOUND_MS,
        "breaker_opened": opened,
        "breaker_closed": closed,
        "slow_requests_during_hang": slow,
        "hung_connections_accepted": hung.accepted if hung else 0,
        "cache_used_again_after_s": None if recovered_s is None else round(recovered_s, 2),
        "recovery_bound_s": RECOVERY_BOUND_S,
        "healthy": base,
        "redis_hung": hang,
        "whole_drill": every,
        "workers": WORKERS,
        "clients": CLIENTS,
        "socket_timeout_s": float(env.get("REDIS_SOCKET_TIMEOUT", "0.05")),
    }
