"""Drill 3: PostgreSQL down.

The app runs on the drill's private PostgreSQL cluster.  Under a steady load (resolve and triage
requests, ``/readyz`` and ``/healthz`` probes), the cluster is stopped (fast shutdown: sessions are
cut), kept down, and started again; the app is never restarted.

Passes when: no response is a 500 (or no answer at all); while the database is down every API
response is 503 ``database_unavailable`` and ``/readyz`` is 503 (``/healthz`` stays 200: the process
is alive); and after the database is back, requests succeed again within ``RECOVERY_BOUND_S``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from devtools.load import Request, Sample, background_load, bearer, summarize
from devtools.processes import wait_until
from drills.context import DrillContext
from drills.harness import run_agent
from drills.workload import lookup_mix

NAME = "postgres_down"
RECOVERY_BOUND_S = 10.0
WORKERS = 2
CLIENTS = 3


def _error_code(status: int, raw: bytes) -> str | None:
    try:
        return str(json.loads(raw)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _mix(token: str) -> Any:
    """Client 0 probes /readyz and /healthz; the others send resolve and triage requests."""
    api = lookup_mix(token, triage_every=3)

    def make(client: int, i: int) -> Request:
        if client == 0:
            return Request(
                "GET", "/readyz" if i % 2 == 0 else "/healthz", label="readyz" if i % 2 == 0 else "healthz"
            )
        return api(client, i)

    return make


def _ok(sample: Sample) -> bool:
    return sample.status in (200, 201)


def _down_violations(samples: list[Sample]) -> dict[str, int]:
    """While the database is down: API and /readyz must be 503 database_unavailable, /healthz 200."""
    bad: Counter[str] = Counter()
    for s in samples:
        if s.label == "healthz":
            expected = s.status == 200
        elif s.label == "readyz":
            expected = s.status == 503
        else:
            expected = s.status == 503 and s.info == "database_unavailable"
        if not expected:
            bad[f"{s.label}:{s.status}:{s.info}"] += 1
    return dict(bad)


def _unexpected(samples: list[Sample]) -> dict[str, int]:
    """At any time: success, or 503 database_unavailable (API), 503 (/readyz); /healthz always 200."""
    bad: Counter[str] = Counter()
    for s in samples:
        if s.label == "healthz":
            fine = s.status == 200
        elif s.label == "readyz":
            fine = s.status in (200, 503)
        else:
            fine = _ok(s) or (s.status == 503 and s.info == "database_unavailable")
        if not fine:
            bad[f"{s.label}:{s.status}:{s.info}"] += 1
    return dict(bad)


def run(ctx: DrillContext) -> dict[str, Any]:
    down_s = ctx.pick(6.0, 20.0)
    env = ctx.env(ctx.database(NAME), None, NAME)
    cluster = ctx.cluster
    app = ctx.app(env, WORKERS, NAME)
    try:
        token = run_agent(env, "tokens", {"users": [{"username": "drill-pg", "role": "patient"}]})["tokens"]
        make = _mix(token["drill-pg"])
        options = {"clients": CLIENTS, "max_requests": 1_000_000, "pause": 0.02, "inspect": _error_code}
        with background_load(app.port, make, max_seconds=down_s + RECOVERY_BOUND_S + 20, **options) as out:
            time.sleep(3)
            ctx.log(f"stopping PostgreSQL under load, {down_s:.0f} s")
            stopping = time.time()
            cluster.stop()
            stopped = time.time()
            time.sleep(down_s)
            ctx.log("starting PostgreSQL again")
            starting = time.time()
            cluster.start()
            started = time.time()
            recovered_s = wait_until(lambda: _serves(app.port, token["drill-pg"]), RECOVERY_BOUND_S, 0.1)
            time.sleep(3)
        load = out[0]
    finally:
        if not cluster.running:
            cluster.start()
        app.stop()
    before = load.where(lambda s: s.received < stopping)
    down = load.where(lambda s: stopped + 0.5 <= s.sent and s.received < starting)
    after = load.where(lambda s: recovered_s is not None and s.sent >= started + recovered_s)
    five_hundreds = sum(1 for s in load.samples if s.status == 500 or s.status == 0)
    violations = _down_violations(down)
    unexpected = _unexpected(load.samples)
    passed = (
        five_hundreds == 0
        and not violations
        and not unexpected
        and len(down) > 0
        and all(_ok(s) for s in before)
        and recovered_s is not None
        and all(_ok(s) for s in after)
    )
    return {
        "passed": passed,
        "server_errors_500_or_no_answer": five_hundreds,
        "down_responses": len(down),
        "down_wrong_answers": violations,
        "unexpected_answers": unexpected,
        "down_statuses": summarize(down)["statuses"],
        "readyz_503_while_down": sum(1 for s in down if s.label == "readyz" and s.status == 503),
        "recovered_after_s": None if recovered_s is None else round(recovered_s, 2),
        "recovery_bound_s": RECOVERY_BOUND_S,
        "failed_after_recovery": sum(1 for s in after if not _ok(s)),
        "before": summarize(before),
        "after": summarize(after),
        "app_restarted": False,
    }


def _serves(port: int, token: str) -> bool:
    """The app answers /readyz 200 and a triage request 201 again."""
    from devtools.load import http_call
    from drills.workload import triage_body

    if http_call(port, "GET", "/readyz", timeout=5)[0] != 200:
        return False
    status, _ = http_call(
        port, "POST", "/api/prescriptions/requests/", triage_body(["Panadol"]), bearer(token)
    )
    return status == 201
