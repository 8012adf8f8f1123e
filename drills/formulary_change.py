"""Drill 4: a formulary change under load.

Triage requests for "Ibuprofen 400mg" (pharmacy-only in the shipped formulary: routed to a
pharmacist) flow continuously through several gunicorn workers, each with its own warm L1 cache, and
Redis warm too.  The drill process then re-schedules ibuprofen to ``controlled`` through the formulary
service (``drug_save``, committed, in a helper process on the same database) and records T, the time
the commit returned.  Every response received after T + 1 s must route to a doctor with the reason
``controlled_substance``; the drill counts the violations (must be 0).  The schedule is restored after.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from devtools.load import NEW_CONNECTION, Request, background_load, bearer, http_call, run_load, summarize
from drills.context import DrillContext
from drills.harness import run_agent
from drills.workload import triage_body

NAME = "formulary_change"
DRUG = "ibuprofen"
TYPED = "Ibuprofen 400mg"
WORKERS = 3
CLIENTS = 4
GRACE_S = 1.0  # docs/architecture.md section 5: every process enforces a formulary write within one second


def _decision(status: int, raw: bytes) -> tuple[str, bool] | None:
    """(route, whether the controlled_substance reason is given) of a 201."""
    if status != 201:
        return None
    triage = json.loads(raw)["triage"]
    return triage["route"], any(r["code"] == "controlled_substance" for r in triage["reasons"])


def _enforced(info: tuple[str, bool] | None) -> bool:
    """The decision uses the new schedule: doctor, because the medicine is controlled."""
    return info is not None and info[0] == "doctor" and info[1]


def _workers_seen(log: str) -> int:
    """Distinct worker processes that answered a triage POST (process ids in the access log)."""
    return len(set(re.findall(r'<(\d+)> "POST /api/prescriptions/requests/ ', log)))


def run(ctx: DrillContext) -> dict[str, Any]:
    after_s = ctx.pick(4.0, 10.0)
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME)
    app = ctx.app(env, WORKERS, NAME)
    try:
        token = run_agent(env, "tokens", {"users": [{"username": "drill-fc", "role": "patient"}]})["tokens"]
        headers = {**bearer(token["drill-fc"]), **NEW_CONNECTION}  # reach every worker
        req = Request("POST", "/api/prescriptions/requests/", triage_body([TYPED]), headers)
        run_load(app.port, lambda c, i: req, clients=CLIENTS, max_requests=60, max_seconds=5)  # warm L1, L2
        options = {"clients": CLIENTS, "max_requests": 1_000_000, "pause": 0.01, "inspect": _decision}
        with background_load(app.port, lambda c, i: req, max_seconds=after_s + 30, **options) as out:
            time.sleep(2)
            ctx.log(f"re-scheduling {DRUG} to controlled under load")
            change = run_agent(
                env,
                "reschedule",
                {"generic_name": DRUG, "schedule": "controlled", "controlled_basis": "ng_national"},
            )
            t = float(change["committed_at"])
            time.sleep(max(0.0, t + GRACE_S + after_s - time.time()))
        load = out[0]
        workers_seen = _workers_seen(app.log())
        before = change["before"]
        run_agent(env, "reschedule", {"generic_name": DRUG, **before})
        restored = _decision(*_triage(app.port, req))
    finally:
        app.stop()
        redis.stop()
    checked = load.where(lambda s: s.received > t + GRACE_S)
    violations = [s for s in checked if not _enforced(s.info)]
    before_t = load.where(lambda s: s.received < t)
    last_old = max(
        (s.received for s in load.samples if s.received >= t and not _enforced(s.info)), default=None
    )
    passed = (
        not violations
        and len(checked) > 0
        and all(s.info == ("pharmacist", False) for s in before_t)
        and restored is not None
        and restored[0] == "pharmacist"
        and summarize(load.samples)["failed"] == 0
    )
    return {
        "passed": passed,
        "violations_after_1s": len(violations),
        "responses_checked_after_1s": len(checked),
        "responses_before_change": len(before_t),
        "old_schedule_last_seen_after_s": None if last_old is None else round(last_old - t, 3),
        "workers": WORKERS,
        "workers_seen": workers_seen,
        "restored_route": restored[0] if restored else None,
        "schedule_before": before["schedule"],
        "load": summarize(load.samples),
    }


def _triage(port: int, req: Request) -> tuple[int, bytes]:
    """One triage request after the restore (and the version poll): its status and raw body."""
    time.sleep(GRACE_S)
    status, body = http_call(port, req.method, req.path, req.body, req.headers)
    return status, json.dumps(body).encode()
