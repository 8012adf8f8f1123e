"""``rxtriage serve`` over real sockets: slow clients, chunked bodies, a port in use, the access log and
one ``/metrics`` view of all workers.  The server runs on the suite's backend (``DATABASE_URL`` and
``REDIS_URL`` as set, else the embedded default) with its own data directory."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from devtools.appserver import AppServer, rxtriage_argv
from devtools.processes import LOOPBACK, wait_until
from drills.slow_clients import slow_connections, still_open

pytestmark = pytest.mark.slow

WORKERS = 3
BODY_TIMEOUT = 8  # seconds the server waits for a body (``serve --timeout``)


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        RXTRIAGE_DATA_DIR=str(data_dir),
        RXTRIAGE_THROTTLE_RATE="1000000/min",
        RXTRIAGE_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def _admin(url: str, *statements: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@contextmanager
def _server_database() -> Iterator[str | None]:
    """On PostgreSQL, a database of the server's own beside the suite's (dropped afterwards); on the
    embedded default None (the server's SQLite file lives in its data directory)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    name = urlsplit(url).path.lstrip("/") + "_serve"
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("serve-data")
    with _server_database() as database_url:
        env = _env(data_dir)
        if database_url:
            env["DATABASE_URL"] = database_url
        app = AppServer(
            env, workdir=data_dir, workers=WORKERS, name="serve", extra_args=["--timeout", str(BODY_TIMEOUT)]
        ).start()
        try:
            yield app
        finally:
            app.stop()


@pytest.fixture(scope="module")
def token(server: AppServer) -> str:
    result = subprocess.run(
        [*rxtriage_argv(), "create_token", "serve-test-patient", "--role", "patient"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_health_and_a_triage_post_answer_while_slow_clients_hold_half_sent_bodies(
    server: AppServer, token: str
) -> None:
    body = json.dumps({"medications": [{"medicationName": "Panadol 500mg"}], "symptoms": "cough"})
    with slow_connections(server.port, count=20) as held:
        assert _get(server.port, "/healthz")[0] == 200
        conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=10)
        conn.request(
            "POST",
            "/api/prescriptions/requests/",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert conn.getresponse().status == 201
        conn.close()
        assert still_open(held) == 20


def test_each_worker_builds_what_its_first_request_would_before_it_serves(server: AppServer) -> None:
    """gunicorn's ``post_worker_init`` runs ``rxtriage.ops.warm``: every worker logs each part built."""
    assert wait_until(lambda: server.log().count("worker warmed:") >= WORKERS, timeout=30) is not None
    warmed = [line for line in server.log().splitlines() if "worker warmed:" in line]
    assert all("None" not in line for line in warmed)
    assert all(part in line for line in warmed for part in ("urls ", "red_flags ", "lookup "))
    assert "worker warm-up:" not in server.log()  # no part failed


def test_a_body_that_stops_arriving_is_answered_408_after_the_timeout_not_500(server: AppServer) -> None:
    with slow_connections(server.port, count=1) as (sock,):
        sock.settimeout(BODY_TIMEOUT * 4)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), raw[:300]
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert (
        wait_until(lambda: '"POST /api/prescriptions/requests/ HTTP/1.1" 408' in server.log(), 10) is not None
    )


def test_clients_that_hang_up_mid_body_are_logged_499_never_500(server: AppServer) -> None:
    with slow_connections(server.port, count=5):
        pass  # closed by the client, half-way through the body
    wait_until(lambda: server.log().count('"POST /api/prescriptions/requests/ HTTP/1.1" 499') >= 5, 10)
    log = server.log()
    assert log.count('"POST /api/prescriptions/requests/ HTTP/1.1" 499') >= 5
    assert '"POST /api/prescriptions/requests/ HTTP/1.1" 500' not in log


def test_a_chunked_body_is_read_not_treated_as_empty(server: AppServer, token: str) -> None:
    payload = json.dumps({"names": ["Panadol 500mg", "Flagyl 400"]}).encode()
    head = (
        f"POST /api/drugs/resolve/ HTTP/1.1\r\nHost: {LOOPBACK}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (payload[:10], payload[10:]))
    with socket.create_connection((LOOPBACK, server.port), timeout=10) as sock:
        sock.sendall(head + chunks + b"0\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    assert b" 200 " in status_line, raw[:300]
    assert b"paracetamol" in rest and b"metronidazole" in rest


def test_the_access_log_writes_paths_without_query_strings(server: AppServer, token: str) -> None:
    healthz_line = '"GET /healthz HTTP/1.1" 200'
    healthz_before = server.log().count(healthz_line)
    conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=10)
    conn.request("GET", "/api/drugs/search/?q=zebraquerymarker", headers={"Authorization": f"Bearer {token}"})
    assert conn.getresponse().status == 200
    conn.close()
    assert _get(server.port, "/healthz?name=zebranamemarker")[0] == 200
    # the access log is written just after each response: wait for both lines
    assert wait_until(lambda: server.log().count(healthz_line) > healthz_before, timeout=10) is not None
    assert wait_until(lambda: '"GET /api/drugs/search/ HTTP/1.1" 200' in server.log(), timeout=10) is not None
    log = server.log()
    assert "zebraquerymarker" not in log and "zebranamemarker" not in log


def _healthz_count(text: str) -> float:
    match = re.search(r'^rxtriage_http_request_seconds_count\{view="healthz"\} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def test_every_metrics_scrape_shows_the_requests_of_all_workers(server: AppServer) -> None:
    before = _healthz_count(_get(server.port, "/metrics")[1].decode())
    for _ in range(30):  # a new connection each: spread over the workers
        assert _get(server.port, "/healthz")[0] == 200
    counts = {_healthz_count(_get(server.port, "/metrics")[1].decode()) - before for _ in range(6)}
    assert counts == {30.0}


def test_a_port_already_in_use_fails_at_once_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*rxtriage_argv(), "serve", "--port", str(port), "--workers", "1"],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "serving" not in result.stdout
    assert "Traceback" not in result.stderr
