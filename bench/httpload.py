"""HTTP load: the triage endpoint against a trivial endpoint of the same app, on loopback.

The server is ``rxtriage serve`` (gunicorn) on a free loopback port, started with the bench's own
environment.  The load is closed-loop and bounded in time and requests: ``connections`` clients each
send a request, wait for the answer and send the next.  It is made by ``wrk`` when ``which wrk`` finds
it, else by the asyncio load generator below (no root needed).  Connections are kept alive when the
server allows it; gunicorn's sync workers close each one after the response, and then the client
reconnects (the connect is part of that request's latency, as with wrk).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.timing import summary

__all__ = ["LoadResult", "Server", "load_combine", "load_run", "worker_peak_rss_mb"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``rxtriage serve`` on loopback, as a child process of this one (stopped with SIGTERM)."""

    def __init__(self, *, env: dict[str, str], workers: int) -> None:
        self.env, self.workers = env, workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        handle, name = tempfile.mkstemp(prefix="rxtriage-bench-serve-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        argv = [sys.executable, "-m", "rxtriage.cli", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", str(self.workers)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=self.env, stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as answer:
                    if answer.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log_path.unlink(missing_ok=True)


def worker_peak_rss_mb(pids: Sequence[int]) -> dict[str, float]:
    """VmHWM (peak resident memory) of each process, in MB."""
    peaks: dict[str, float] = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peaks[str(pid)] = round(int(match.group(1)) / 1024, 1)
    return peaks


# --- the asyncio load generator -----------------------------------------------------------------------


@dataclass
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    errors: int
    status: dict[str, int]
    samples_ns: list[int] = field(default_factory=list, repr=False)
    latency: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        latency = self.latency if self.latency is not None else summary(self.samples_ns)
        return {
            "tool": self.tool,
            "connections": self.connections,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "errors": self.errors,
            "status": self.status,
            "p50_ms": None if latency["p50_us"] is None else round(latency["p50_us"] / 1000, 3),
            "p99_ms": None if latency["p99_us"] is None else round(latency["p99_us"] / 1000, 3),
            "mean_ms": None if latency["mean_us"] is None else round(latency["mean_us"] / 1000, 3),
        }


def _request_bytes(method: str, path: str, token: str, body: bytes | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {token}",
             "Accept: application/json", "Connection: keep-alive"]  # fmt: skip
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    keep = headers.get("connection") != "close" and lines[0].startswith("HTTP/1.1")
    return status, keep


async def _client(
    port: int,
    requests: Sequence[bytes],
    offset: int,
    deadline: float,
    limit: list[int],
    result: LoadResult,
    expect: int,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    i = offset
    loop = asyncio.get_running_loop()
    while loop.time() < deadline and limit[0] > 0:
        limit[0] -= 1
        payload = requests[i % len(requests)]
        i += 1
        start = time.perf_counter_ns()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(payload)
            status, keep = await asyncio.wait_for(_read_response(reader), timeout=30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            result.errors += 1
            result.status["error"] = result.status.get("error", 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        result.samples_ns.append(time.perf_counter_ns() - start)
        result.requests += 1
        result.status[str(status)] = result.status.get(str(status), 0) + 1
        if status != expect:
            result.errors += 1
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _python_load(
    port: int, requests: Sequence[bytes], connections: int, seconds: float, max_requests: int, expect: int
) -> LoadResult:
    result = LoadResult(
        tool="python-asyncio", connections=connections, seconds=0.0, requests=0, errors=0, status={}
    )
    loop = asyncio.get_running_loop()
    limit = [max_requests]
    started = loop.time()
    deadline = started + seconds
    await asyncio.gather(
        *(_client(port, requests, n * 7, deadline, limit, result, expect) for n in range(connections))
    )
    result.seconds = loop.time() - started
    return result


# --- wrk ----------------------------------------------------------------------------------------------

_WRK_SCRIPT = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  local body = bodies[(i %% #bodies) + 1]
  if body == "" then
    return wrk.format("%s", "%s", {["Authorization"] = "Bearer %s"})
  end
  return wrk.format("%s", "%s",
    {["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}, body)
end
"""


def _wrk_ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    if value.endswith("m"):
        return number * 60_000
    return number * 1000  # seconds


def _wrk_load(
    wrk: str,
    base: str,
    method: str,
    path: str,
    token: str,
    bodies: Sequence[bytes],
    connections: int,
    seconds: float,
) -> LoadResult:
    lua_bodies = ", ".join(json.dumps(body.decode()) for body in bodies) if bodies else '""'
    script = _WRK_SCRIPT % (lua_bodies, method, path, token, method, path, token)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        threads = max(1, min(connections, os.cpu_count() or 1))
        argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                "--timeout", "30s",  # as the Python generator: a slow answer is latency, not an error
                "-s", handle.name, base + path]  # fmt: skip
        output = subprocess.run(
            argv, capture_output=True, text=True, timeout=seconds + 60, check=False
        ).stdout
    finally:
        Path(handle.name).unlink(missing_ok=True)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    requests = int(total.group(1)) if total else 0
    duration = _wrk_ms(total.group(2) + total.group(3)) / 1000 if total else seconds
    pct = {p: _wrk_ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE)}
    mean = re.search(r"Latency\s+([\d.]+\w+)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    if not requests:  # wrk answered nothing usable (it printed zeros): an error, not a 0 ms latency
        errors += 1
    latency = {
        "p50_us": pct["50"] * 1000 if requests and "50" in pct else None,
        "p99_us": pct["99"] * 1000 if requests and "99" in pct else None,
        "mean_us": _wrk_ms(mean.group(1)) * 1000 if requests and mean else None,
    }
    status: dict[str, int] = {}
    for kind, n in re.findall(r"(connect|read|write|timeout) (\d+)", output):
        if int(n):
            status[f"socket_{kind}"] = int(n)
    if non2xx:
        status["non_2xx"] = int(non2xx.group(1))
    return LoadResult(tool="wrk", connections=connections, seconds=duration, requests=requests, errors=errors,
                      status=status, latency=latency)  # fmt: skip


def load_combine(slices: Sequence[LoadResult]) -> LoadResult:
    """One result from slices of the same load taken in turns with another endpoint's (so both see the
    same machine): requests and seconds add up; latency samples are pooled (Python generator) or, from
    wrk, which reports percentiles only, each percentile is the median of the slices' ones."""
    first = slices[0]
    status: dict[str, int] = {}
    for part in slices:
        for code, n in part.status.items():
            status[code] = status.get(code, 0) + n
    combined = LoadResult(
        tool=first.tool,
        connections=first.connections,
        seconds=sum(p.seconds for p in slices),
        requests=sum(p.requests for p in slices),
        errors=sum(p.errors for p in slices),
        status=status,
        samples_ns=[ns for p in slices for ns in p.samples_ns],
    )
    if any(p.latency is not None for p in slices):
        measured = [
            p.latency for p in slices if p.latency is not None and p.latency.get("p50_us") is not None
        ]
        combined.latency = {
            key: (statistics.median(m[key] for m in measured) if measured else None)
            for key in ("p50_us", "p99_us", "mean_us")
        }
    return combined


def load_run(
    *,
    server: Server,
    method: str,
    path: str,
    token: str,
    bodies: Sequence[bytes],
    connections: int,
    seconds: float,
    max_requests: int,
    expect: int,
    tool: str = "auto",
) -> LoadResult:
    """A bounded closed-loop load: ``connections`` clients for ``seconds`` (at most ``max_requests``)."""
    wrk = shutil.which("wrk") if tool in ("auto", "wrk") else None
    if tool == "wrk" and wrk is None:
        raise RuntimeError("--http-tool wrk: wrk is not installed")
    if wrk:
        return _wrk_load(wrk, server.base, method, path, token, bodies, connections, seconds)
    requests = [_request_bytes(method, path, token, body) for body in bodies] or [
        _request_bytes(method, path, token, None)
    ]
    return asyncio.run(_python_load(server.port, requests, connections, seconds, max_requests, expect))
