"""``rxtriage serve [--host 127.0.0.1] [--port 8000] [--workers N]``.

Migrates, loads the shipped formulary when the formulary is empty, binds the listening socket (a port
already in use fails here, at once, with one clear line), then replaces this process with gunicorn
serving ``rxtriage.asgi:application`` on gunicorn's ``asgi`` workers on that socket.

Why ASGI workers (measured in docs/reliability.md, "Slow clients"): a client that sends half a body
holds a sync or threaded worker until it gives up; an ASGI worker reads bodies in its event loop, with a
read timeout (``--timeout``), and runs a view only once Django has the whole body.  The same set-up
reads ``Transfer-Encoding: chunked`` bodies, which Django's WSGI handler treats as empty.

prometheus_client runs in multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary
directory unless set; emptied at start) is shared by the workers so one ``/metrics`` scrape shows them
all; see ``rxtriage.ops.gunicorn_conf`` for the hooks and the access log format.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.bootstrap import ensure_ready

MAX_DEFAULT_WORKERS = 12
LISTEN_BACKLOG = 2048
#: ``--worker-class`` choices: the default, and the set-ups measured against it.
ASGI_APP = "rxtriage.asgi:application"
WORKER_CLASSES = {
    "asgi": ("asgi", ASGI_APP),
    "uvicorn": ("uvicorn_worker.UvicornWorker", ASGI_APP),
    "gthread": ("gthread", "rxtriage.wsgi:application"),
    "sync": ("sync", "rxtriage.wsgi:application"),
}
GTHREAD_THREADS = 8


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 x cores + 1, capped (each worker holds its own L1 cache)."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def gunicorn_argv(
    *, bind: str, workers: int, timeout: int, worker_class: str = "asgi", max_requests: int = 10_000
) -> list[str]:
    """The gunicorn command line; ``bind`` is ``HOST:PORT`` or ``fd://N``."""
    klass, app = WORKER_CLASSES[worker_class]
    argv = [sys.executable, "-m", "gunicorn", app, "--config", "python:rxtriage.ops.gunicorn_conf"]
    argv += ["--bind", bind, "--workers", str(workers), "--worker-class", klass]
    if worker_class == "gthread":
        argv += ["--threads", str(GTHREAD_THREADS)]
    argv += ["--timeout", str(timeout), "--graceful-timeout", "20", "--keep-alive", "5"]
    argv += ["--access-logfile", "-", "--error-logfile", "-"]
    if max_requests:
        argv += ["--max-requests", str(max_requests), "--max-requests-jitter", str(max_requests // 10)]
    return [*argv, *_no_control_socket()]


def _no_control_socket() -> list[str]:
    """gunicorn >= 25 opens an admin control socket at one fixed path in $HOME, shared by every
    instance on the machine; rxtriage does not use it, so turn it off where it exists."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []


def listening_socket(*, host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, inheritable by gunicorn; CommandError otherwise."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {port} on {host} is already in use: stop what listens there or pass another --port"
            ) from None
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def metrics_dir_prepare() -> tuple[str, bool]:
    """The multiprocess metrics directory, emptied; and whether ``serve`` created it (and removes it)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not given:
        return tempfile.mkdtemp(prefix="rxtriage-metrics-"), True
    directory = Path(given)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return str(directory), False


class Command(BaseCommand):
    help = "Migrate, load the formulary if empty, and serve the API with gunicorn (ASGI workers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None, help="Default: 2 x cores + 1, at most 12.")
        parser.add_argument(
            "--timeout", type=int, default=30, help="Worker timeout and request-body read timeout (seconds)."
        )
        parser.add_argument(
            "--worker-class",
            choices=sorted(WORKER_CLASSES),
            default="asgi",
            help="gunicorn worker set-up (default asgi; the others are kept for comparison).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, workers = options["host"], options["port"], options["workers"] or default_workers()
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if not _importable("gunicorn"):
            raise CommandError("gunicorn is not installed (pip install gunicorn)")
        if options["worker_class"] == "uvicorn" and not _importable("uvicorn_worker"):
            raise CommandError("--worker-class uvicorn needs uvicorn-worker (pip install uvicorn-worker)")
        sock = listening_socket(host=host, port=port)
        ensure_ready(verbosity=0)
        metrics_dir, owned = metrics_dir_prepare()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        os.environ["RXTRIAGE_METRICS_DIR_OWNED"] = "1" if owned else "0"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
        if WORKER_CLASSES[options["worker_class"]][1] == ASGI_APP:
            # Django runs each ASGI request's view code in a thread of its own: a connection kept open
            # after the request (CONN_MAX_AGE > 0) would stay with a thread that is gone, and
            # PostgreSQL would run out of connection slots.  One connection per request instead.
            os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
        argv = gunicorn_argv(
            bind=f"fd://{sock.fileno()}",
            workers=workers,
            timeout=options["timeout"],
            worker_class=options["worker_class"],
        )
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"rxtriage serving on http://{shown}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
