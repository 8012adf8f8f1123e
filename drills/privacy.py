"""Drill 8: privacy.

Patients with known user names (``user-<random>-N``) send requests whose symptoms carry a known
marker (``zebra-symptom-<random>``): valid requests, requests refused by validation (symptoms over
the limit, a wrong type, an unknown field), and pharmacists' reviews with the marker in the note.
The app runs at log level INFO with its own Redis (L1 and L2 on).  Then the drill scans every key of
that Redis (SCAN, and GET / HGETALL / LRANGE / SMEMBERS / ZRANGE by type) and the server's whole log
(gunicorn and Django, INFO and above) for the markers, the user names and the tokens.

Passes when none of them appears anywhere, and the scan was not vacuous: requests were stored, Redis
holds drug-cache keys, and the log holds INFO lines.
"""

from __future__ import annotations

import secrets
from typing import Any

from devtools.load import bearer, http_call
from drills.context import DrillContext
from drills.harness import RedisServer, run_agent
from drills.workload import EXACT_NAMES, triage_body

NAME = "privacy"
WORKERS = 2
PATIENTS = 5


def _redis_blobs(redis: RedisServer) -> tuple[int, list[bytes]]:
    """Every key of the server and every value behind it, as bytes."""
    client = redis.client()
    keys = 0
    blobs: list[bytes] = []
    for key in client.scan_iter(count=500):
        keys += 1
        blobs.append(key)
        kind = client.type(key).decode()
        if kind == "string":
            blobs.append(client.get(key) or b"")
        elif kind == "hash":
            blobs.extend(b for pair in client.hgetall(key).items() for b in pair)
        elif kind == "list":
            blobs.extend(client.lrange(key, 0, -1))
        elif kind == "set":
            blobs.extend(client.smembers(key))
        elif kind == "zset":
            blobs.extend(client.zrange(key, 0, -1))
        else:
            blobs.append(repr(client.dump(key)).encode())
    return keys, blobs


def _occurrences(needles: list[str], haystacks: list[bytes]) -> int:
    lowered = [h.lower() for h in haystacks]
    return sum(h.count(n.lower().encode()) for n in needles for h in lowered)


def _send(port: int, tokens: list[str], reviewer: str, marker: str, rounds: int) -> dict[str, int]:
    """Valid, refused and reviewed requests, all carrying the marker; counts by status."""
    statuses: dict[str, int] = {}

    def count(status: int) -> None:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    path = "/api/prescriptions/requests/"
    for i in range(rounds):
        for n, token in enumerate(tokens):
            name = EXACT_NAMES[(i + n) % len(EXACT_NAMES)]
            symptoms = f"{marker} mild cough and {marker} sneezing, day {i}"
            status, created = http_call(port, "POST", path, triage_body([name], symptoms), bearer(token))
            count(status)
            if status == 201 and created["triage"]["route"] == "pharmacist" and i % 3 == 0:
                review = {"decision": "approve", "note": f"{marker} reviewed"}
                count(http_call(port, "POST", f"{path}{created['id']}/review/", review, bearer(reviewer))[0])
        bad = triage_body(["Panadol"], symptoms=f"{marker} " * 400)  # over the 2,000-character limit
        count(http_call(port, "POST", path, bad, bearer(tokens[0]))[0])
        count(
            http_call(
                port, "POST", path, {**triage_body(["Panadol"]), "symptoms": [marker]}, bearer(tokens[0])
            )[0]
        )
        count(
            http_call(port, "POST", path, {**triage_body(["Panadol"]), marker: marker}, bearer(tokens[0]))[0]
        )
        typed = triage_body([f"Panadol {marker.replace('symptom', 'med')} {i}"], symptoms="mild cough")
        count(http_call(port, "POST", path, typed, bearer(tokens[-1]))[0])
    return statuses


def run(ctx: DrillContext) -> dict[str, Any]:
    rounds = ctx.pick(6, 30)
    run_id = secrets.token_hex(4)
    marker = f"zebra-symptom-{run_id}"
    users = [f"user-{run_id}-{i}" for i in range(PATIENTS)]
    reviewer_name = f"user-{run_id}-pharmacist"
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME, RXTRIAGE_LOG_LEVEL="INFO")
    app = ctx.app(env, WORKERS, NAME)
    try:
        specs = [{"username": u, "role": "patient"} for u in users]
        specs.append({"username": reviewer_name, "role": "pharmacist"})
        tokens = run_agent(env, "tokens", {"users": specs})["tokens"]
        ctx.log(f"{PATIENTS} patients x {rounds} rounds with marked symptoms")
        statuses = _send(app.port, [tokens[u] for u in users], tokens[reviewer_name], marker, rounds)
        keys, blobs = _redis_blobs(redis)
    finally:
        app.stop()
        redis.stop()
    log = app.log()
    names = [*users, reviewer_name]
    secrets_ = list(tokens.values())
    found = {
        "symptom_marker_in_redis": _occurrences([marker], blobs),
        "user_names_in_redis": _occurrences(names, blobs),
        "tokens_in_redis": _occurrences(secrets_, blobs),
        "symptom_marker_in_log": _occurrences([marker], [log.encode()]),
        "user_names_in_log": _occurrences(names, [log.encode()]),
        "tokens_in_log": _occurrences(secrets_, [log.encode()]),
    }
    typed_marker = marker.replace("symptom", "med")
    typed_names = {
        "typed_medication_marker_in_redis": _occurrences([typed_marker], blobs),
        "typed_medication_marker_in_log": _occurrences([typed_marker], [log.encode()]),
    }
    info_lines = log.count("[INFO]") + log.count(" INFO ") + log.count('" 201 ')
    stored = statuses.get("201", 0)
    passed = (
        not any(found.values())
        and not any(typed_names.values())
        and stored > 0
        and keys > 0
        and info_lines > 0
    )
    return {
        "passed": passed,
        **found,
        **typed_names,
        "requests_by_status": statuses,
        "redis_keys_scanned": keys,
        "log_lines_scanned": log.count("\n"),
        "log_level": "INFO",
    }
