"""``rxtriage serve [--host 127.0.0.1] [--port 8000] [--workers N]``.

Migrates, loads the shipped formulary when the formulary is empty, then replaces this process with
gunicorn serving ``rxtriage.wsgi:application`` (access log on stdout, graceful shutdown on SIGTERM).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.bootstrap import ensure_ready

MAX_DEFAULT_WORKERS = 12


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 x cores + 1, capped (each worker holds its own L1 cache)."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def gunicorn_argv(*, host: str, port: int, workers: int, timeout: int) -> list[str]:
    """The gunicorn command line."""
    host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "rxtriage.wsgi:application",
        "--bind",
        f"{host_part}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "20",
        "--keep-alive",
        "5",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--max-requests",
        "10000",
        "--max-requests-jitter",
        "1000",
        *_no_control_socket(),
    ]


def _no_control_socket() -> list[str]:
    """gunicorn >= 25 opens an admin control socket at one fixed path in $HOME, shared by every
    instance on the machine; rxtriage does not use it, so turn it off where it exists."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []


class Command(BaseCommand):
    help = "Migrate, load the formulary if empty, and serve the API with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None, help="Default: 2 x cores + 1, at most 12.")
        parser.add_argument("--timeout", type=int, default=30, help="Worker timeout in seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        port, workers = options["port"], options["workers"] or default_workers()
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if not _gunicorn_importable():
            raise CommandError("gunicorn is not installed (pip install gunicorn)")
        ensure_ready(verbosity=0)
        argv = gunicorn_argv(host=options["host"], port=port, workers=workers, timeout=options["timeout"])
        shown = f"[{options['host']}]" if ":" in options["host"] else options["host"]
        self.stdout.write(f"rxtriage serving on http://{shown}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
        os.execv(sys.executable, argv)


def _gunicorn_importable() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True
