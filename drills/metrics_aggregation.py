"""Drill: one ``/metrics`` scrape shows every worker.

3 workers; 8 clients send N ``/healthz`` requests, each on a new connection (spread over the workers
by the kernel).  Then ten scrapes, each answered by whichever worker the kernel picks: every one must
show exactly N for ``rxtriage_http_request_seconds_count{view="healthz"}``.  One worker is then
stopped (gunicorn starts another): the total must survive it.  Requests with made-up methods must be
counted as ``method="other"``, never under their own name.

Passes when all of that holds and more than one worker answered (from the access log's process ids).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
from typing import Any

from devtools.appserver import AppServer
from devtools.load import Request, run_load, summarize
from devtools.processes import LOOPBACK, wait_until
from drills.context import DrillContext

NAME = "metrics_aggregation"
WORKERS = 3
SCRAPES = 10
MADE_UP_METHODS = 12


def _scrape(port: int) -> str:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def _healthz_total(text: str) -> float:
    match = re.search(r'^rxtriage_http_request_seconds_count\{view="healthz"\} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def _made_up_methods(port: int) -> None:
    for i in range(MADE_UP_METHODS):
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
        try:
            conn.request(f"ZZMETHOD{chr(65 + i)}", "/healthz")
            conn.getresponse().read()
        finally:
            conn.close()


def _restart_one_worker(ctx: DrillContext, app: AppServer) -> bool:
    """SIGTERM one worker; True once gunicorn has booted its replacement."""
    booted = re.findall(r"Booting worker with pid: (\d+)", app.log())
    os.kill(int(booted[0]), signal.SIGTERM)
    ctx.log(f"stopped worker {booted[0]}")
    return wait_until(lambda: app.log().count("Booting worker") > len(booted), timeout=30) is not None


def run(ctx: DrillContext) -> dict[str, Any]:
    requests = ctx.pick(300, 2_000)
    env = ctx.env(ctx.database(NAME), None, NAME)
    app = ctx.app(env, WORKERS, NAME)
    try:
        before = _healthz_total(_scrape(app.port))

        def make(client: int, i: int) -> Request:
            return Request("GET", "/healthz", headers={"Connection": "close"})

        ctx.log(f"{requests} /healthz requests over {WORKERS} workers, then {SCRAPES} scrapes")
        load = run_load(app.port, make, clients=8, max_requests=requests, max_seconds=120, timeout=10)
        seen = [_healthz_total(_scrape(app.port)) - before for _ in range(SCRAPES)]
        replaced = _restart_one_worker(ctx, app)
        after_restart = [_healthz_total(_scrape(app.port)) - before for _ in range(SCRAPES)]
        _made_up_methods(app.port)
        text = _scrape(app.port)
    finally:
        app.stop()
    pids = set(re.findall(r'<(\d+)> "GET /healthz ', app.log()))
    summary = summarize(load.samples)
    made_up_named = len(re.findall(r'method="ZZMETHOD', text))
    other = re.search(r'rxtriage_http_requests_total\{method="other",status="\d+"\} (\S+)', text)
    passed = (
        summary["requests"] == requests
        and summary["failed"] == 0
        and set(seen) == {float(requests)}
        and replaced
        and set(after_restart) == {float(requests)}
        and made_up_named == 0
        and other is not None
        and len(pids) > 1
    )
    return {
        "passed": passed,
        "requests": requests,
        "scrape_totals": sorted(set(seen)),
        "after_worker_restart": sorted(set(after_restart)),
        "workers_answering": len(pids),
        "made_up_method_series": made_up_named,
        "other_method_counted": other is not None,
        "load": summary,
    }
