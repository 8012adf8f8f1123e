"""Drill 5: concurrency.

50 clients, each a different patient with their own token, post prescription requests at once for a
bounded time (and at most a bounded number).  Every request carries a unique marker in its symptoms.
Afterwards the drill reads what the database stored for those patients and checks that every 201 has
exactly one stored request (same id, same marker, same patient), that nothing was stored twice or
without a 201, that no response was a 5xx or missing, and that the counts match.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import Any

from devtools.load import Request, Sample, bearer, run_load, summarize
from drills.context import DrillContext
from drills.harness import run_agent
from drills.workload import EXACT_NAMES, triage_body

NAME = "concurrency"
CLIENTS = 50
WORKERS = 3


def _created_id(status: int, raw: bytes) -> int | None:
    return int(json.loads(raw)["id"]) if status == 201 else None


def _check(samples: list[Sample], stored: list[dict[str, Any]], users: list[str]) -> dict[str, Any]:
    """Match every 201 to exactly one stored row (and every stored row to a 201)."""
    created = [s for s in samples if s.status == 201]
    ids = Counter(s.info for s in created)
    by_id = {row["id"]: row for row in stored}
    markers = Counter(row["symptoms"] for row in stored)
    mismatched = 0
    for s in created:
        row = by_id.get(s.info)
        client = int(s.label.split(":")[0])
        if row is None or row["symptoms"] != s.label.split(":", 1)[1] or row["username"] != users[client]:
            mismatched += 1
    per_user_201 = Counter(users[int(s.label.split(":")[0])] for s in created)
    per_user_stored = Counter(row["username"] for row in stored)
    return {
        "created_201": len(created),
        "stored": len(stored),
        "duplicate_ids_in_201s": sum(n - 1 for n in ids.values() if n > 1),
        "duplicate_stored_requests": sum(n - 1 for n in markers.values() if n > 1),
        "stored_without_201": len(set(by_id) - set(ids)),
        "201_without_stored": len(set(ids) - set(by_id)),
        "201_not_matching_stored": mismatched,
        "per_user_counts_match": per_user_201 == per_user_stored,
    }


def run(ctx: DrillContext) -> dict[str, Any]:
    seconds, limit = ctx.pick(8.0, 30.0), ctx.pick(2_000, 20_000)
    run_id = secrets.token_hex(4)
    users = [f"drill-cc-{run_id}-{i}" for i in range(CLIENTS)]
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME)
    app = ctx.app(env, WORKERS, NAME)
    try:
        tokens = run_agent(env, "tokens", {"users": [{"username": u, "role": "patient"} for u in users]})[
            "tokens"
        ]
        headers = [bearer(tokens[u]) for u in users]

        def make(client: int, i: int) -> Request:
            marker = f"concurrency drill {run_id} client {client} request {i}: mild cough"
            body = triage_body([EXACT_NAMES[(client + i) % len(EXACT_NAMES)]], symptoms=marker)
            return Request(
                "POST", "/api/prescriptions/requests/", body, headers[client], f"{client}:{marker}"
            )

        ctx.log(f"{CLIENTS} clients posting for {seconds:.0f} s")
        load = run_load(
            app.port,
            make,
            clients=CLIENTS,
            max_requests=limit,
            max_seconds=seconds,
            inspect=_created_id,
            timeout=30,
        )
        stored = run_agent(env, "requests", {"usernames": users})["requests"]
    finally:
        app.stop()
        redis.stop()
    figures = _check(load.samples, stored, users)
    summary = summarize(load.samples)
    passed = (
        summary["failed"] == 0
        and figures["created_201"] > 0
        and figures["created_201"] == figures["stored"]
        and figures["duplicate_ids_in_201s"] == 0
        and figures["duplicate_stored_requests"] == 0
        and figures["stored_without_201"] == 0
        and figures["201_without_stored"] == 0
        and figures["201_not_matching_stored"] == 0
        and figures["per_user_counts_match"]
    )
    return {
        "passed": passed,
        "clients": CLIENTS,
        "server_errors_or_no_answer": summary["failed"],
        **figures,
        "requests_per_s": round(len(load.samples) / load.seconds, 1) if load.seconds else 0.0,
        "load": summary,
        "workers": WORKERS,
    }
