"""HTTP load: the triage endpoint against a trivial endpoint of the same app, on loopback.

The server is ``rxtriage serve`` (gunicorn) on a free loopback port (``devtools.appserver``), started
with the bench's own environment.  The load is closed-loop and bounded in time and requests:
``connections`` clients each send a request, wait for the answer and send the next.  It is made by
``wrk`` when ``which wrk`` finds it, else by the tools' load generator (``devtools.load``, no root
needed).  Connections are kept alive when the server allows it; gunicorn's sync workers close each one
after the response, and then the client reconnects (the connect is part of that request's latency, as
with wrk).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.appserver import AppServer
from devtools.load import Request, bearer, run_load
from devtools.stats import summary

__all__ = ["LoadFigures", "load_combine", "load_run", "worker_peak_rss_mb"]


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


# --- figures ----------------------------------------------------------------------------------------


@dataclass
class LoadFigures:
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


def _python_load(
    port: int,
    requests: Sequence[Request],
    connections: int,
    seconds: float,
    max_requests: int,
    expect: int,
    pause_ms: float = 0.0,
) -> LoadFigures:
    result = run_load(
        port,
        lambda client, i: requests[(client * 7 + i) % len(requests)],
        clients=connections,
        max_requests=max_requests,
        max_seconds=seconds,
        timeout=30,
        pause=pause_ms / 1000,
    )
    status: dict[str, int] = {}
    for sample in result.samples:
        label = str(sample.status) if sample.status else "error"
        status[label] = status.get(label, 0) + 1
    answered = [s for s in result.samples if s.status]
    return LoadFigures(
        tool="python-threads",
        connections=connections,
        seconds=result.seconds,
        requests=len(answered),
        errors=sum(1 for s in result.samples if s.status != expect),
        status=status,
        samples_ns=[round(s.latency_ms * 1_000_000) for s in answered],
    )


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
    pause_ms: float = 0.0,
) -> LoadFigures:
    lua_bodies = ", ".join(json.dumps(body.decode()) for body in bodies) if bodies else '""'
    script = _WRK_SCRIPT % (lua_bodies, method, path, token, method, path, token)
    if pause_ms > 0:  # wrk waits this long (ms) on each connection before its next request
        script += f"delay = function() return {round(pause_ms)} end\n"
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
    return LoadFigures(tool="wrk", connections=connections, seconds=duration, requests=requests,
                       errors=errors, status=status, latency=latency)  # fmt: skip


def load_combine(slices: Sequence[LoadFigures]) -> LoadFigures:
    """One result from slices of the same load taken in turns with another endpoint's (so both see the
    same machine): requests and seconds add up; latency samples are pooled (Python generator) or, from
    wrk, which reports percentiles only, each percentile is the median of the slices' ones."""
    first = slices[0]
    status: dict[str, int] = {}
    for part in slices:
        for code, n in part.status.items():
            status[code] = status.get(code, 0) + n
    combined = LoadFigures(
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
    server: AppServer,
    method: str,
    path: str,
    token: str,
    bodies: Sequence[bytes],
    connections: int,
    seconds: float,
    max_requests: int,
    expect: int,
    tool: str = "auto",
    pause_ms: float = 0.0,
) -> LoadFigures:
    """A bounded closed-loop load: ``connections`` clients for ``seconds`` (at most ``max_requests``);
    with ``pause_ms`` each client waits that long after an answer before its next request (a paced
    load, below the server's capacity: its latency is the requests', not a queue's)."""
    wrk = shutil.which("wrk") if tool in ("auto", "wrk") else None
    if tool == "wrk" and wrk is None:
        raise RuntimeError("--http-tool wrk: wrk is not installed")
    if wrk:
        return _wrk_load(wrk, server.base, method, path, token, bodies, connections, seconds, pause_ms)
    headers = {**bearer(token), "Accept": "application/json"}
    requests = [Request(method, path, json.loads(body), headers) for body in bodies] or [
        Request(method, path, None, headers)
    ]
    return _python_load(server.port, requests, connections, seconds, max_requests, expect, pause_ms)
