"""gunicorn settings and hooks of ``rxtriage serve`` (loaded as ``python:rxtriage.ops.gunicorn_conf``).

* The access log writes the method, the path without its query string (names typed into
  ``/api/drugs/resolve/?name=`` and ``/api/drugs/search/?q=`` never reach it), the status, the size and
  the time in milliseconds; no referrer (it carries query strings too) and no user agent.
* A request whose client hung up before it was answered (mid-body, or while it waited in the listen
  queue) gets no answer: nobody is there to read it; gunicorn would log a 500 that was never sent.
  It is logged as 499, nginx's "client closed request" (``rxtriage.asgi`` marks such requests).
* A new worker builds what its first request would (URL patterns, red-flag matcher, the formulary's
  known names and in-process fuzzy index: ``rxtriage.ops.warm``) before it accepts a connection.
* prometheus_client's multiprocess mode: a worker that exits has its live gauges marked dead, and the
  metrics directory that ``serve`` created is removed when gunicorn stops.
"""

from __future__ import annotations

import os
import shutil
from contextvars import ContextVar
from typing import Any

from gunicorn.glogging import Logger

#: Set by ``rxtriage.asgi`` for the request being served: its client went away before any answer.
CLIENT_GONE: ContextVar[bool] = ContextVar("rxtriage_client_gone", default=False)
CLIENT_CLOSED_REQUEST = 499


class AccessLogger(Logger):
    """gunicorn's logger; a request whose client hung up unanswered is logged 499, not an unsent 500."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if CLIENT_GONE.get() and str(resp.status).split(" ")[0] == "500" and not resp.sent:
            resp.status = CLIENT_CLOSED_REQUEST
        super().access(resp, req, environ, request_time)


logger_class = "rxtriage.ops.gunicorn_conf.AccessLogger"
access_log_format = '%(h)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def post_worker_init(worker: Any) -> None:
    """In the new worker, after the application loaded and before it accepts a connection."""
    from django.db import connections

    from rxtriage.ops.warm import warm_worker

    warm_worker()
    # The warm-up ran on this thread; requests run on others, each with its own connections.
    connections.close_all()


def child_exit(server: Any, worker: Any) -> None:
    """A worker exited: drop its live-gauge samples from the shared metrics directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """gunicorn stops: remove the metrics directory ``serve`` created for this run."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.environ.get("RXTRIAGE_METRICS_DIR_OWNED") == "1":
        shutil.rmtree(directory, ignore_errors=True)
