"""Drill: a real streaming read replica.

A private primary (``pg_stat_statements`` preloaded) gets the migrated, loaded database; a second
cluster on another port is made from it with ``pg_basebackup -R`` and streams from it.  ``rxtriage
serve`` runs with ``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URL`` on the replica, the
in-process cache off and no Redis, so every name goes to the database.  ``pg_stat_statements`` on each
server counts the statements it ran:

1. routing: formulary reads run on the replica; writes (triage requests) and the formulary-version
   check run on the primary;
2. lag: replay is paused on the replica (``pg_wal_replay_pause()``), ibuprofen is re-scheduled to
   ``controlled`` on the primary; every answer received later than 1 s after the commit routes to a
   doctor for it, while the replica still holds the old schedule (the reads went to the primary);
3. a dead replica: the replica is stopped under load; no request fails (reads go to the primary);
   the formulary read ``/api/drugs/resolve/?name=`` answers 304 to its ETag before the change, and 200
   with a new ETag and the new schedule after it;
4. ``rxtriage db_health --json`` on the primary reports index usage and the slowest formulary
   statements from ``pg_stat_statements``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from devtools.load import Request, background_load, bearer, run_load, summarize
from devtools.processes import LOOPBACK, register, wait_until
from drills.context import DrillContext
from drills.harness import PostgresCluster, run_agent, run_command
from drills.workload import EXACT_NAMES, triage_body

NAME = "replica"
DB = "rxdrill_replica"
WORKERS = 2
GRACE_S = 1.0
PRELOAD = "-c shared_preload_libraries=pg_stat_statements -c full_page_writes=on -c max_wal_senders=4"


class Standby(PostgresCluster):
    """A cluster made from a running primary with ``pg_basebackup -R`` (streaming, hot standby)."""

    def clone(self, primary: PostgresCluster) -> Standby:
        import shutil

        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        result = self._run(
            f"{self.bindir}/pg_basebackup", "-D", str(self.data), "-h", LOOPBACK, "-p", str(primary.port),
            "-U", "postgres", "-X", "stream", "-R", "-c", "fast", "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {result.stderr.strip()[-500:]}")
        register(self)
        return self


def _query(cluster: PostgresCluster, sql: str, params: tuple[Any, ...] = ()) -> Any:
    import psycopg

    with psycopg.connect(cluster.url(DB), autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


def _calls(cluster: PostgresCluster, table: str) -> int:
    """Statements run on this server that name ``table`` (pg_stat_statements), excluding this query."""
    sql = (
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
        "WHERE query LIKE %s AND query NOT LIKE '%%pg_stat_statements%%'"
    )
    return int(_query(cluster, sql, (f"%{table}%",)))


def _resolve(token: str) -> Any:
    def make(client: int, i: int) -> Request:
        names = [
            EXACT_NAMES[(client * 5 + i) % len(EXACT_NAMES)],
            EXACT_NAMES[(i * 7 + 3) % len(EXACT_NAMES)],
        ]
        return Request("POST", "/api/drugs/resolve/", {"names": names}, bearer(token), "resolve")

    return make


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str, Any]:
    """GET over HTTP: status, ETag header, parsed body (None for an empty one)."""
    import http.client

    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, response.getheader("ETag") or "", json.loads(raw) if raw else None
    finally:
        conn.close()


def _decision(status: int, raw: bytes) -> tuple[str, bool] | None:
    if status != 201:
        return None
    triage = json.loads(raw)["triage"]
    return triage["route"], any(r["code"] == "controlled_substance" for r in triage["reasons"])


def run(ctx: DrillContext) -> dict[str, Any]:
    primary = PostgresCluster()
    primary.extra_options = PRELOAD
    primary.init().start()
    standby = Standby()
    standby.extra_options = PRELOAD
    app = None
    out: dict[str, Any] = {}
    try:
        primary.execute(f"CREATE DATABASE {DB}")
        plain = ctx.env(primary.url(DB), None, f"{NAME}-setup")
        ctx.log("migrating and loading the primary")
        run_command(plain, "migrate", "--noinput", "-v", "0")
        run_command(plain, "load_formulary", "-v", "0")
        primary.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", DB)
        ctx.log("cloning the replica with pg_basebackup")
        standby.clone(primary).start()
        assert _query(standby, "SELECT pg_is_in_recovery()") is True
        env = ctx.env(
            primary.url(DB), None, NAME, DATABASE_REPLICA_URL=standby.url(DB), DRUG_CACHE_L1_SIZE="0"
        )
        app = ctx.app(env, WORKERS, NAME)
        users = [{"username": "drill-rp", "role": "patient"}]
        token = run_agent(plain, "tokens", {"users": users})["tokens"]["drill-rp"]

        # 1. routing
        before = {s: (_calls(c, "formulary_drugname"), _calls(c, "formulary_formularyversion"))
                  for s, c in (("primary", primary), ("replica", standby))}  # fmt: skip
        reads = run_load(
            app.port, _resolve(token), clients=2, max_requests=ctx.pick(150, 600), max_seconds=30
        )
        triage = Request(
            "POST", "/api/prescriptions/requests/", triage_body(["Ibuprofen 400mg"]), bearer(token)
        )
        writes = run_load(app.port, lambda c, i: triage, clients=1, max_requests=10, max_seconds=20)
        after = {s: (_calls(c, "formulary_drugname"), _calls(c, "formulary_formularyversion"))
                 for s, c in (("primary", primary), ("replica", standby))}  # fmt: skip
        out["names_queries_on_replica"] = after["replica"][0] - before["replica"][0]
        out["names_queries_on_primary"] = after["primary"][0] - before["primary"][0]
        out["version_queries_on_primary"] = after["primary"][1] - before["primary"][1]
        out["triage_writes_201"] = sum(1 for s in writes.samples if s.status == 201)
        out["routing_load"] = summarize(reads.samples + writes.samples)
        detail = "/api/drugs/resolve/?name=Ibuprofen%20400mg"
        status, etag, _ = _get(app.port, detail, bearer(token))
        again, _, body = _get(app.port, detail, {**bearer(token), "If-None-Match": etag})
        out["etag_revalidation"] = [status, again, body is None]

        # 2. a lagging replica never hides a re-scheduled medicine
        _query(standby, "SELECT pg_wal_replay_pause()::text")
        wait_until(lambda: _query(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused", 5)
        options = {"clients": 2, "max_requests": 1_000_000, "pause": 0.01, "inspect": _decision}
        with background_load(app.port, lambda c, i: triage, max_seconds=60, **options) as lag_out:
            time.sleep(1.5)
            ctx.log("replay paused; re-scheduling ibuprofen to controlled on the primary")
            change = run_agent(
                plain, "reschedule",
                {"generic_name": "ibuprofen", "schedule": "controlled", "controlled_basis": "ng_national"},
            )  # fmt: skip
            t = float(change["committed_at"])
            time.sleep(max(0.0, t + GRACE_S + ctx.pick(3.0, 8.0) - time.time()))
        lag = lag_out[0]
        checked = lag.where(lambda s: s.received > t + GRACE_S)
        violations = [s for s in checked if s.info != ("doctor", True)]
        out["replica_schedule_while_paused"] = _query(
            standby, "SELECT schedule FROM formulary_drug WHERE generic_name = 'ibuprofen'"
        )
        out["lag_violations_after_1s"] = len(violations)
        out["lag_responses_checked"] = len(checked)
        out["lag_before_change_pharmacist"] = all(
            s.info == ("pharmacist", False) for s in lag.where(lambda s: s.received < t)
        )
        status, new_etag, body = _get(app.port, detail, {**bearer(token), "If-None-Match": etag})
        out["etag_after_change"] = [status, new_etag != etag, body["results"][0]["drug"]["schedule"]]
        _query(standby, "SELECT pg_wal_replay_resume()::text")
        run_agent(plain, "reschedule", {"generic_name": "ibuprofen", **change["before"]})

        # 3. a dead replica costs no request
        with background_load(
            app.port, _resolve(token), clients=2, max_requests=1_000_000, max_seconds=60, pause=0.01
        ) as dead_out:
            time.sleep(1.5)
            ctx.log("stopping the replica under load")
            standby.stop()
            time.sleep(ctx.pick(4.0, 10.0))
        out["replica_down_load"] = summarize(dead_out[0].samples)

        # 4. db_health on the primary, pg_stat_statements loaded
        report = json.loads(run_command(plain, "db_health", "--json").strip().splitlines()[-1])
        out["db_health_indexes"] = len(report["indexes"])
        out["db_health_statements_available"] = report["statements"].get("available")
        out["db_health_slowest"] = len(report["statements"].get("slowest") or [])
    finally:
        if app is not None:
            app.stop()
        standby.destroy()
        primary.destroy()
    out["passed"] = (
        out["names_queries_on_replica"] > 0
        and out["names_queries_on_primary"] == 0
        and out["version_queries_on_primary"] > 0
        and out["triage_writes_201"] == 10
        and out["routing_load"]["failed"] == 0
        and out["replica_schedule_while_paused"] != "controlled"
        and out["lag_violations_after_1s"] == 0
        and out["lag_responses_checked"] > 0
        and out["lag_before_change_pharmacist"]
        and out["etag_revalidation"] == [200, 304, True]
        and out["etag_after_change"] == [200, True, "controlled"]
        and out["replica_down_load"]["failed"] == 0
        and out["replica_down_load"]["requests"] > 0
        and out["db_health_indexes"] > 0
        and out["db_health_statements_available"] is True
        and out["db_health_slowest"] > 0
    )
    return dict(sorted(out.items(), key=lambda kv: kv[0] != "passed"))
