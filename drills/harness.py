"""The drills' own pieces: private PostgreSQL and Redis servers, a hung listener, the app's environment
and helper processes.  Ports, the app server, the load generator and percentiles are shared with the
benchmark in ``devtools``.

Everything here runs on loopback.  Every server a drill starts is registered for clean-up
(``devtools.processes``): ``try/finally`` in the drills and an ``atexit`` hook stop it even when a drill
fails or the run is interrupted.  Nothing here touches the machine's own PostgreSQL or Redis: the
drills bring their own, on free ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

from devtools.appserver import rxtriage_argv
from devtools.processes import LOOPBACK, free_port, register, stop_process, tail, unregister

#: The checkout's root: helper processes run ``python -m bench...``/``drills...`` from here.
REPO_ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "HungListener",
    "Missing",
    "PostgresCluster",
    "RedisServer",
    "app_environment",
    "require_binary",
    "run_agent",
    "run_command",
]


class Missing(RuntimeError):
    """A binary a drill needs is not installed (the drill fails, or is skipped with --skip-missing)."""


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

    def listen_args(self) -> list[str]:
        """How the server listens and whom it lets in (a TLS server overrides this)."""
        return ["--port", str(self.port)]

    def start(self, timeout: float = 10.0) -> Self:
        argv = [self.binary, *self.listen_args(), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
        argv += ["--daemonize", "no", "--dir", str(self.workdir), "--logfile", ""]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        register(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited at start:\n{tail(self.log_path)}")
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
            stop_process(self.proc, sig=signal.SIGKILL)
        unregister(self)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        unregister(self)


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
        register(self)
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
        unregister(self)


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
        #: more ``-c name=value`` server options (e.g. ``shared_preload_libraries``), appended at start
        self.extra_options = ""

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
        register(self)
        return self

    def start(self, timeout: float = 30.0) -> PostgresCluster:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={LOOPBACK} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 " + self.extra_options
        )
        result = self._run(
            f"{self.bindir}/pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log_path),
            "-w", "-t", str(int(timeout)), "start", timeout=timeout + 5,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()[-300:]}\n{tail(self.log_path)}")
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
        unregister(self)

    def url(self, database: str) -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)


# --- the app under test ------------------------------------------------------------------------------
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
