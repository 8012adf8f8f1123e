"""The tools' shared helpers (devtools): ports, percentiles, the load generator; no timed assertions."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from devtools.load import Request, Sample, run_load, summarize
from devtools.processes import free_port, port_open, wait_until
from devtools.stats import percentile, summary


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 503 if self.path.startswith("/fail") else 200
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([], 99) == 0.0


def test_summarize_counts_failures_as_no_answer_or_5xx() -> None:
    samples = [Sample(0, 0, 200, 1.0), Sample(0, 0, 503, 2.0), Sample(0, 0, 0, 3.0, error="ConnectionError")]
    summary = summarize(samples)
    assert summary["requests"] == 3
    assert summary["failed"] == 2
    assert summary["statuses"] == {"0": 1, "200": 1, "503": 1}


def test_the_load_stops_at_its_request_budget_and_counts_every_answer(http_port: int) -> None:
    result = run_load(
        http_port,
        lambda client, i: Request("GET", "/fail" if i % 2 else "/ok", label=str(client)),
        clients=3,
        max_requests=30,
        max_seconds=60,
    )
    summary = summarize(result.samples)
    assert len(result.samples) == 30
    assert sum(summary["statuses"].values()) == 30
    assert set(summary["statuses"]) <= {"200", "503"}
    assert summary["failed"] == summary["statuses"].get("503", 0)
    assert {s.label for s in result.samples} <= {"0", "1", "2"}


def test_the_load_records_refused_connections_as_status_0() -> None:
    port = free_port()  # nothing listens here
    result = run_load(port, lambda c, i: Request("GET", "/"), clients=1, max_requests=3, max_seconds=30)
    assert [s.status for s in result.samples] == [0, 0, 0]
    assert all(s.error for s in result.samples)


def test_the_load_passes_answers_to_inspect(http_port: int) -> None:
    result = run_load(
        http_port,
        lambda c, i: Request("GET", "/ok"),
        clients=1,
        max_requests=2,
        max_seconds=30,
        inspect=lambda status, raw: raw.decode(),
    )
    assert [s.info for s in result.samples] == ['{"ok": true}', '{"ok": true}']


def test_the_timing_summary_is_in_microseconds_with_the_same_nearest_rank() -> None:
    samples_ns = [v * 1000 for v in range(1, 101)]  # 1..100 microseconds
    figures = summary(samples_ns)
    assert (figures["n"], figures["p50_us"], figures["p99_us"]) == (100, 50.0, 99.0)
    assert (figures["min_us"], figures["max_us"], figures["mean_us"]) == (1.0, 100.0, 50.5)
    assert summary([])["p50_us"] is None


def test_wait_until_reports_the_wait_or_none() -> None:
    assert wait_until(lambda: True, timeout=1) is not None
    assert wait_until(lambda: False, timeout=0.2, interval=0.05) is None
    assert not port_open(free_port())
