"""Drill: Redis with AUTH and TLS, as ElastiCache runs it (``requirepass``, TLS only).

A private ``redis-server`` listens on TLS only with a password; its certificates are made for the
drill (a CA, a server certificate for 127.0.0.1, and an unrelated CA).  ``rxtriage serve`` runs three
times on the same database with ``REDIS_URL=rediss://...``:

- right password and CA (``REDIS_PASSWORD``, ``REDIS_CA_CERT``): ``/readyz`` reports Redis ``ok``,
  lookups answer, and Redis holds the drug cache's keys and has served reads of them;
- wrong password, then an untrusted CA: every request still answers (from the database), ``/readyz``
  stays 200 and reports Redis unavailable with the reason (``auth``, ``tls``), and ``cache_stats`` says
  the same; Redis gets no key.
"""

from __future__ import annotations

import json
from typing import Any

from devtools.load import http_call, run_load, summarize
from drills.context import DrillContext
from drills.harness import run_agent, run_command
from drills.secure_redis import SecureRedisServer, make_certificates
from drills.workload import lookup_mix

NAME = "redis_secure"
WORKERS = 2


def _case(
    ctx: DrillContext, database: str, server: SecureRedisServer, name: str, **env: str
) -> dict[str, Any]:
    keys_before = int(server.client().dbsize())
    app_env = ctx.env(database, server.url, f"{NAME}-{name}", REDIS_CONNECT_TIMEOUT="0.5", **env)
    app = ctx.app(app_env, WORKERS, f"{NAME}-{name}")
    try:
        token = run_agent(app_env, "tokens", {"users": [{"username": f"drill-rs-{name}", "role": "patient"}]})
        make = lookup_mix(token["tokens"][f"drill-rs-{name}"])
        load = run_load(app.port, make, clients=2, max_requests=ctx.pick(120, 600), max_seconds=30)
        status, ready = http_call(app.port, "GET", "/readyz")
        stats = run_command(app_env, "cache_stats", "--json")
    finally:
        app.stop()
    info = server.client().info("stats")
    return {
        "load": summarize(load.samples),
        "readyz_status": status,
        "readyz_redis": (ready or {}).get("checks", {}).get("redis"),
        "cache_stats_l2_status": json.loads(stats.strip().splitlines()[-1])["l2"]["status"],
        "redis_keys_written": int(server.client().dbsize()) - keys_before,
        "redis_keyspace_hits": int(info["keyspace_hits"]),
    }


def run(ctx: DrillContext) -> dict[str, Any]:
    certificates = make_certificates(ctx.workdir / "certs")
    server = SecureRedisServer(ctx.workdir, certificates).start()
    database = ctx.database(NAME)
    try:
        right = _case(
            ctx, database, server, "right", REDIS_PASSWORD=server.password, REDIS_CA_CERT=str(certificates.ca)
        )
        server.client().flushdb()
        hits_before = int(server.client().info("stats")["keyspace_hits"])
        wrong_password = _case(
            ctx, database, server, "wrongpass", REDIS_PASSWORD="not-the-password",
            REDIS_CA_CERT=str(certificates.ca),
        )  # fmt: skip
        wrong_ca = _case(
            ctx, database, server, "wrongca", REDIS_PASSWORD=server.password,
            REDIS_CA_CERT=str(certificates.wrong_ca),
        )  # fmt: skip
    finally:
        server.stop()
    right_ok = (
        right["load"]["failed"] == 0
        and right["readyz_status"] == 200
        and right["readyz_redis"] == "ok"
        and right["cache_stats_l2_status"] == "ok"
        and right["redis_keys_written"] > 0
        and right["redis_keyspace_hits"] > 0
    )

    def closed(case: dict[str, Any], kind: str) -> bool:
        return (
            case["load"]["failed"] == 0
            and case["load"]["statuses"].keys() == {"200", "201"}
            and case["readyz_status"] == 200
            and str(case["readyz_redis"]).startswith("unavailable")
            and kind in str(case["readyz_redis"])
            and kind in case["cache_stats_l2_status"]
            and case["redis_keys_written"] == 0
        )

    hits_after = wrong_ca["redis_keyspace_hits"]
    return {
        "passed": right_ok
        and closed(wrong_password, "auth")
        and closed(wrong_ca, "tls")
        and hits_after == hits_before,
        "right_credentials_failed_requests": right["load"]["failed"],
        "wrong_password_failed_requests": wrong_password["load"]["failed"],
        "wrong_ca_failed_requests": wrong_ca["load"]["failed"],
        "right": right,
        "wrong_password": wrong_password,
        "wrong_ca": wrong_ca,
    }
