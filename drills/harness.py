"""Shared pieces of the drills: free ports, private servers, the app under test, a load generator.

Everything here runs on loopback and is bounded (in requests and in seconds).  Every server a drill
starts is registered for clean-up: ``try/finally`` in the drills and an ``atexit`` hook here stop it
even when a drill fails or the run is interrupted.  Nothing here touches the machine's own
PostgreSQL or Redis: the drills bring their own, on free ports.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import itertools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: The checkout's root: helper processes run ``python -m bench...``/``drills...`` from here.
REPO_ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "NEW_CONNECTION",
    "AppServer",
    "HungListener",
    "LoadResult",
    "Missing",
    "PostgresCluster",
    "RedisServer",
    "Request",
    "Sample",
    "free_port",
    "http_call",
    "percentile",
    "run_agent",
    "run_load",
    "summarize",
]

LOOPBACK = "127.0.0.1"


class Missing(RuntimeError):
    """A binary a drill needs is not installed (the drill fails, or is skipped with --skip-missing)."""


class _Stoppable(Protocol):
    def stop(self) -> None: ...


_LIVE: list[_Stoppable] = []
_LIVE_LOCK = threading.Lock()


def _register(thing: _Stoppable) -> None:
    with _LIVE_LOCK:
        if thing not in _LIVE:
            _LIVE.append(thing)


def _unregister(thing: _Stoppable) -> None:
    with _LIVE_LOCK, contextlib.suppress(ValueError):
        _LIVE.remove(thing)


def stop_everything(keep: Sequence[object] = ()) -> None:
    """Stop every server still running (newest first) but those in ``keep``."""
    with _LIVE_LOCK:
        doomed = [thing for thing in reversed(_LIVE) if not any(thing is k for k in keep)]
    for thing in doomed:
        with contextlib.suppress(Exception):
            thing.stop()
        _unregister(thing)


atexit.register(stop_everything)


# --- ports, binaries, processes ----------------------------------------------------------------------
def free_port() -> int:
    """A TCP port free on loopback right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on loopback ``port``."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_binary(name: str, *extra_dirs: str) -> str:
    """The path of ``name`` (on PATH or in ``extra_dirs``), or :class:`Missing`."""
    found = shutil.which(name)
    if found:
        return found
    for folder in extra_dirs:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise Missing(f"{name} is not installed (needed to start a private server)")


def _stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
    """Signal a process (its whole session when it leads one), wait, then kill what is left."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Redis -------------------------------------------------------------------------------------------
class RedisServer:
    """A private ``redis-server`` on loopback, no persistence, started and stopped by a drill."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.binary = require_binary("redis-server")
        self.port = port or free_port()
        self.workdir = workdir
        self.log_path = workdir / f"redis-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        argv = [self.binary, "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
        argv += ["--daemonize", "no", "--dir", str(self.workdir), "--logfile", ""]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _register(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited at start:\n{_tail(self.log_path)}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {timeout} s")

    def client(self) -> Any:
        """The drill's own client of this server (one connection pool, reused)."""
        if self._client is None:
            import redis

            self._client = redis.Redis(
                host=LOOPBACK, port=self.port, socket_timeout=2, socket_connect_timeout=1
            )
        return self._client

    def app_connections(self) -> int:
        """Connections of other clients than the drill's own (the app's workers)."""
        client = self.client()
        own = client.client_id()
        return sum(1 for c in client.client_list() if int(c["id"]) != own)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def kill(self) -> None:
        """SIGKILL: the server dies at once, as in a crash."""
        if self.proc is not None:
            _stop_process(self.proc, sig=signal.SIGKILL)
        _unregister(self)

    def stop(self) -> None:
        if self.proc is not None:
            _stop_process(self.proc)
        _unregister(self)


class HungListener:
    """A TCP listener that accepts connections and never answers: a hung Redis, as the client sees it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"hung-{port}", daemon=True)
        self.accepted = 0

    def start(self) -> HungListener:
        self._sock.bind((LOOPBACK, self.port))
        self._sock.listen(128)
        self._sock.settimeout(0.1)
        self._thread.start()
        _register(self)
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self._held.append(conn)  # held open, never read, never answered
            self.accepted += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        for conn in self._held:
            with contextlib.suppress(OSError):
                conn.close()
        with contextlib.suppress(OSError):
            self._sock.close()
        _unregister(self)


# --- PostgreSQL --------------------------------------------------------------------------------------
def postgres_bindir() -> str:
    """The newest ``/usr/lib/postgresql/<ver>/bin`` with initdb and pg_ctl, else PATH; or :class:`Missing`."""
    base = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in base.glob("*/bin") if (p / "initdb").is_file() and (p / "pg_ctl").is_file()),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    if versions:
        return str(versions[-1])
    initdb = require_binary("initdb")
    require_binary("pg_ctl")
    return str(Path(initdb).resolve().parent)


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary directory, on a free loopback port.

    Created with ``initdb --auth=trust`` (as the ``postgres`` user when run as root), started and
    stopped with ``pg_ctl``; durability is switched off (it is a drill's scratch server).
    """

    def __init__(self, port: int | None = None) -> None:
        self.bindir = postgres_bindir()
        self.port = port or free_port()
        # Its own directory under the system temp dir (the postgres user must reach it when run as root).
        self.root = Path(tempfile.mkdtemp(prefix=f"rxdrill-pg-{self.port}-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.running = False
        self._as_postgres = os.geteuid() == 0

    def _run(self, *argv: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self._as_postgres:
            command = [require_binary("runuser"), "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def init(self) -> PostgresCluster:
        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        result = self._run(
            f"{self.bindir}/initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()[-500:]}")
        _register(self)
        return self

    def start(self, timeout: float = 30.0) -> PostgresCluster:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={LOOPBACK} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        result = self._run(
            f"{self.bindir}/pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log_path),
            "-w", "-t", str(int(timeout)), "start", timeout=timeout + 5,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()[-300:]}\n{_tail(self.log_path)}")
        self.running = True
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are cut, as in an outage)."""
        if self.running:
            self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        _unregister(self)

    def url(self, database: str) -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)


# --- the app under test ------------------------------------------------------------------------------
def rxtriage_argv() -> list[str]:
    """The ``rxtriage`` console script of this interpreter (or ``python -m rxtriage.cli``)."""
    script = Path(sys.executable).parent / "rxtriage"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "rxtriage.cli"]


_APP_ENV_DROP = ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "RXTRIAGE_DATA_DIR", "RXTRIAGE_ENV")


def app_environment(
    *, database_url: str, redis_url: str | None, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of the app and of the drill's helper processes: only the drill's own servers."""
    env = {k: v for k, v in os.environ.items() if k not in _APP_ENV_DROP}
    env.update(
        DATABASE_URL=database_url,
        RXTRIAGE_DATA_DIR=str(data_dir),
        RXTRIAGE_LOG_LEVEL="INFO",
        RXTRIAGE_DEBUG="0",
        RXTRIAGE_THROTTLE_RATE="1000000/min",
        DJANGO_SETTINGS_MODULE="rxtriage.settings",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


class AppServer:
    """``rxtriage serve`` (gunicorn) on a free loopback port, logs captured to a file."""

    def __init__(
        self,
        env: dict[str, str],
        workdir: Path,
        workers: int = 2,
        name: str = "app",
        extra_args: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.workers = workers
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.log_path = workdir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> AppServer:
        argv = [*rxtriage_argv(), "serve", "--host", LOOPBACK, "--port", str(self.port)]
        argv += ["--workers", str(self.workers), *self.extra_args]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        _register(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rxtriage serve exited at start:\n{_tail(self.log_path)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_call(self.port, "GET", "/healthz", timeout=1)[0] == 200:
                    self._wait_for_workers(deadline)
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"rxtriage serve did not answer within {timeout} s:\n{_tail(self.log_path)}")

    def _wait_for_workers(self, deadline: float) -> None:
        """Until every worker has booted (so a load is spread over all of them from its start)."""
        while time.monotonic() < deadline and self.log().count("Booting worker") < self.workers:
            time.sleep(0.1)
        time.sleep(0.5)  # the last worker imports the app after its boot line

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            _stop_process(self.proc, timeout=25)
        _unregister(self)


def run_agent(env: dict[str, str], action: str, payload: Any = None, timeout: float = 120.0) -> Any:
    """Run ``python -m drills.agent ACTION`` against the drill's database; its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", "drills.agent", action],
        input=json.dumps(payload or {}),
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"drill agent {action} failed: {result.stderr.strip()[-800:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_command(env: dict[str, str], *args: str, timeout: float = 300.0) -> str:
    """Run ``rxtriage ARGS`` (a public command) with the drill's environment; its stdout."""
    result = subprocess.run(
        [*rxtriage_argv(), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"rxtriage {' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")
    return result.stdout


# --- HTTP --------------------------------------------------------------------------------------------
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


# --- figures -----------------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


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


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``check()`` is true, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - start
        time.sleep(interval)
    return None
