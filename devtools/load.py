"""The HTTP client and the load generator of the tools: bounded, closed-loop, loopback only.

``clients`` threads each keep one connection alive (reconnecting when the server closes it) and send
a request, wait for the answer, send the next, until a request budget, a time budget or a stop event.
Every outcome is a :class:`Sample`; a request that got no answer has status 0.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from devtools.processes import LOOPBACK
from devtools.stats import percentile

__all__ = [
    "LoadResult",
    "Request",
    "Sample",
    "background_load",
    "bearer",
    "http_call",
    "run_load",
    "summarize",
]


def http_call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One request on a fresh connection: (status, parsed JSON body or raw text)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw.decode(errors="replace")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


#: A request on a connection of its own: the server's workers keep connections alive, so a drill that
#: must reach every worker (each connection goes to whichever worker accepts it) sends this header.
NEW_CONNECTION = {"Connection": "close"}


@dataclass(frozen=True)
class Request:
    """One request of a load: method, path, JSON body (or None), headers, and a label."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    label: str = ""


@dataclass
class Sample:
    """One request's outcome: wall-clock send and receive times, status (0: no answer), latency."""

    sent: float
    received: float
    status: int
    latency_ms: float
    label: str = ""
    error: str = ""
    info: Any = None


@dataclass
class LoadResult:
    samples: list[Sample]
    seconds: float

    def where(self, keep: Callable[[Sample], bool]) -> list[Sample]:
        return [s for s in self.samples if keep(s)]


def _one(conn: http.client.HTTPConnection, req: Request) -> tuple[int, bytes]:
    data = json.dumps(req.body).encode() if req.body is not None else None
    headers = {**({"Content-Type": "application/json"} if data is not None else {}), **req.headers}
    conn.request(req.method, req.path, body=data, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    if response.will_close:
        conn.close()
    return response.status, raw


def run_load(
    port: int,
    make: Callable[[int, int], Request],
    *,
    clients: int,
    max_requests: int,
    max_seconds: float,
    stop: threading.Event | None = None,
    inspect: Callable[[int, bytes], Any] | None = None,
    pause: float = 0.0,
    timeout: float = 10.0,
) -> LoadResult:
    """``clients`` threads with keep-alive connections send ``make(client, i)`` until ``max_requests``
    in all, ``max_seconds`` or ``stop``; every outcome is a :class:`Sample` (errors are status 0)."""
    counter = itertools.count()
    stop = stop or threading.Event()
    deadline = time.monotonic() + max_seconds
    samples: list[list[Sample]] = [[] for _ in range(clients)]

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
        for i in itertools.count():
            if stop.is_set() or time.monotonic() >= deadline or next(counter) >= max_requests:
                break
            req = make(index, i)
            sent, start = time.time(), time.perf_counter()
            try:
                status, raw = _one(conn, req)
                error = ""
            except (OSError, http.client.HTTPException) as exc:
                status, raw, error = 0, b"", type(exc).__name__
                conn.close()
            latency = (time.perf_counter() - start) * 1000
            info = inspect(status, raw) if inspect and status else None
            samples[index].append(Sample(sent, time.time(), status, latency, req.label, error, info))
            if pause:
                time.sleep(pause)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + timeout + 5)
    return LoadResult([s for group in samples for s in group], time.monotonic() - started)


@contextlib.contextmanager
def background_load(
    port: int, make: Callable[[int, int], Request], **kwargs: Any
) -> Iterator[list[LoadResult]]:
    """Run :func:`run_load` in a thread for the ``with`` block; the result is in the yielded list after it."""
    stop = threading.Event()
    out: list[LoadResult] = []
    thread = threading.Thread(
        target=lambda: out.append(run_load(port, make, stop=stop, **kwargs)), daemon=True
    )
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join(timeout=kwargs.get("max_seconds", 60) + 30)


def summarize(samples: Sequence[Sample]) -> dict[str, Any]:
    """Count, failures (no answer or 5xx), statuses, p50/p95/p99/max latency (ms) of some samples."""
    latencies = [s.latency_ms for s in samples]
    statuses: dict[str, int] = {}
    for sample in samples:
        statuses[str(sample.status)] = statuses.get(str(sample.status), 0) + 1
    return {
        "requests": len(samples),
        "failed": sum(1 for s in samples if s.status == 0 or s.status >= 500),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies, default=0.0), 2),
    }
