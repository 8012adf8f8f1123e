"""Drill: slow clients.

50 connections each send the headers of a triage POST with ``Content-Length: 1000`` and half the body,
then nothing, and are held open (no token needed: the body comes before authentication).  Meanwhile
one client sends ``/healthz`` probes and triage POSTs, one at a time (after a warm-up that is not counted).

Passes when every probe and POST answered (no 5xx, no time-out) with a p99 under 200 ms, and the 50
slow connections were still held open by the server when the measurement ended (the drill did not pass
because the server dropped them).

``python -m drills.slow_clients --compare`` runs the same measurement against each gunicorn worker
set-up ``rxtriage serve --worker-class`` offers, plus a throughput run without slow clients, and
prints the table that docs/reliability.md keeps.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devtools.appserver import AppServer
from devtools.load import Request, Sample, bearer, run_load, summarize
from devtools.processes import LOOPBACK, stop_everything
from drills.context import DrillContext
from drills.harness import run_agent
from drills.workload import EXACT_NAMES, lookup_mix, triage_body

NAME = "slow_clients"
SLOW_CONNECTIONS = 50
WORKERS = 3
DECLARED_LENGTH = 1000
P99_BOUND_MS = 200.0
PROBE_TIMEOUT = 5.0
WARM_UP = 40


@contextlib.contextmanager
def slow_connections(port: int, count: int = SLOW_CONNECTIONS) -> Iterator[list[socket.socket]]:
    """``count`` connections that sent headers and half of a declared 1,000-byte body, held open."""
    head = (
        "POST /api/prescriptions/requests/ HTTP/1.1\r\n"
        f"Host: {LOOPBACK}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {DECLARED_LENGTH}\r\n\r\n"
    ).encode()
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection((LOOPBACK, port), timeout=5)
            sock.sendall(head + b" " * (DECLARED_LENGTH // 2))
            held.append(sock)
        time.sleep(0.5)  # let the server hand them to its workers
        yield held
    finally:
        for sock in held:
            with contextlib.suppress(OSError):
                sock.close()


def still_open(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the server has neither answered nor closed."""
    count = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            if sock.recv(1, socket.MSG_PEEK) == b"":
                continue  # closed by the server
        except BlockingIOError:
            count += 1  # nothing to read: still waiting for the rest of the body
        except OSError:
            continue
        finally:
            sock.setblocking(True)
    return count


def probes(token: str) -> Any:
    """Alternate ``/healthz`` and a triage POST."""
    headers = bearer(token)

    def make(client: int, i: int) -> Request:
        if i % 2 == 0:
            return Request("GET", "/healthz", label="healthz")
        body = triage_body([EXACT_NAMES[i % len(EXACT_NAMES)]])
        return Request("POST", "/api/prescriptions/requests/", body, headers, "triage")

    return make


def measure(port: int, token: str, requests: int) -> dict[str, Any]:
    """Probes while 50 slow connections are held: the figures and the verdict's inputs.  A warm-up
    (not counted) first, so that every worker has served a request and filled its caches."""
    run_load(port, probes(token), clients=4, max_requests=WARM_UP, max_seconds=30, timeout=PROBE_TIMEOUT)
    with slow_connections(port) as held:
        load = run_load(
            port, probes(token), clients=1, max_requests=requests, max_seconds=30, timeout=PROBE_TIMEOUT
        )
        open_at_end = still_open(held)
    summary = summarize(load.samples)
    by_label = {
        label: summarize([s for s in load.samples if s.label == label]) for label in ("healthz", "triage")
    }
    return {
        "slow_connections": SLOW_CONNECTIONS,
        "slow_connections_open_at_end": open_at_end,
        "unanswered": sum(1 for s in load.samples if s.status == 0),
        "server_errors": sum(1 for s in load.samples if s.status >= 500),
        "triage_201": sum(1 for s in load.samples if s.label == "triage" and s.status == 201),
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "max_ms": summary["max_ms"],
        "load": summary,
        "by_kind": by_label,
    }


def verdict(figures: dict[str, Any], requests: int) -> bool:
    return (
        figures["load"]["requests"] == requests
        and figures["unanswered"] == 0
        and figures["server_errors"] == 0
        and figures["triage_201"] == requests // 2
        and figures["p99_ms"] < P99_BOUND_MS
        and figures["slow_connections_open_at_end"] == SLOW_CONNECTIONS
    )


def _token(env: dict[str, str]) -> str:
    return str(
        run_agent(env, "tokens", {"users": [{"username": "drill-slow", "role": "patient"}]})["tokens"][
            "drill-slow"
        ]
    )


def run(ctx: DrillContext) -> dict[str, Any]:
    requests = ctx.pick(200, 1_000)
    env = ctx.env(ctx.database(NAME), None, NAME)
    app = ctx.app(env, WORKERS, NAME)
    try:
        token = _token(env)
        ctx.log(f"{SLOW_CONNECTIONS} slow connections held; {requests} probes and triage POSTs")
        figures = measure(app.port, token, requests)
    finally:
        app.stop()
    return {"passed": verdict(figures, requests), "workers": WORKERS, **figures}


def _throughput(port: int, token: str, seconds: float) -> dict[str, Any]:
    """Requests per second of the drills' lookup mix, 8 keep-alive clients, no slow client."""
    load = run_load(port, lookup_mix(token), clients=8, max_requests=100_000, max_seconds=seconds, timeout=10)
    ok: list[Sample] = [s for s in load.samples if 200 <= s.status < 300]
    summary = summarize(load.samples)
    return {
        "requests_per_s": round(len(ok) / load.seconds, 1) if load.seconds else 0.0,
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "failed": summary["failed"],
    }


def compare(
    ctx: DrillContext, worker_classes: list[str], requests: int, seconds: float
) -> list[dict[str, Any]]:
    """The slow-client measurement and a throughput run for each ``--worker-class``."""
    rows = []
    for klass in worker_classes:
        env = ctx.env(ctx.database(f"{NAME}_{klass}"), None, f"{NAME}-{klass}")
        app = AppServer(
            env,
            workdir=ctx.workdir,
            workers=WORKERS,
            name=f"{NAME}-{klass}",
            extra_args=["--worker-class", klass],
        ).start()
        try:
            token = _token(env)
            ctx.log(f"{klass}: throughput for {seconds:.0f} s, then {SLOW_CONNECTIONS} slow connections")
            throughput = _throughput(app.port, token, seconds)
            slow = measure(app.port, token, requests)
        finally:
            app.stop()
        rows.append(
            {"worker_class": klass, "passed": verdict(slow, requests), "throughput": throughput, **slow}
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drills.slow_clients")
    parser.add_argument("--compare", default="asgi,uvicorn,gthread,sync", help="worker classes to compare")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", dest="json_path")
    options = parser.parse_args(argv)
    ctx = DrillContext(quick=True, workdir=Path(tempfile.mkdtemp(prefix="rxdrill-slow-")))
    try:
        rows = compare(ctx, options.compare.split(","), options.requests, options.seconds)
    finally:
        stop_everything()
        ctx.close()
    for row in rows:
        t = row["throughput"]
        print(
            f"{row['worker_class']:<8} slow: p50 {row['p50_ms']} p99 {row['p99_ms']} max {row['max_ms']} ms, "
            f"unanswered {row['unanswered']}, 5xx {row['server_errors']}, "
            f"held {row['slow_connections_open_at_end']}"
            f" | no slow clients: {t['requests_per_s']} req/s, p50 {t['p50_ms']} p99 {t['p99_ms']} ms"
        )
    if options.json_path:
        Path(options.json_path).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
