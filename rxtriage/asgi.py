"""ASGI entry point (``rxtriage serve`` runs it under gunicorn's ``asgi`` worker).

A request is read in full before it occupies a worker: the server reads the body in its event loop,
this application gathers it (the server gives up after ``--timeout`` seconds without data), and only
then does Django run, at most ``RXTRIAGE_VIEWS_PER_WORKER`` requests at once in each worker (each in a
thread, with its own database connection: the bound keeps threads and connections bounded, and requests
served in order of arrival rather than all slowed down together).  So a client that sends half a body
holds a coroutine, never a thread or a connection (docs/reliability.md, "Slow clients").

A body that stops arriving is the client's failure: 408 ``request_timeout``, not the 500 the server
would send when the application gives up without an answer; a client that hung up before any answer is
logged 499 (``rxtriage.ops.gunicorn_conf``).
"""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.core.asgi import get_asgi_application

from rxtriage.ops.gunicorn_conf import CLIENT_GONE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
# WhiteNoise's static-file responses are synchronous iterators; Django's ASGI handler reads them in a
# thread (correct, for the few static files of the admin and the API docs) and warns each time.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

VIEWS_PER_WORKER = int(os.environ.get("RXTRIAGE_VIEWS_PER_WORKER") or 4)
#: Bodies are gathered in memory before Django sees them; Django refuses more than 64 KB anyway
#: (DATA_UPLOAD_MAX_MEMORY_SIZE), so anything past this is refused here.
MAX_GATHERED_BODY = 1024 * 1024

django_application = get_asgi_application()
_views = asyncio.Semaphore(VIEWS_PER_WORKER)


def _error(status: int, code: str, message: str) -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return {"type": "http.response.start", "status": status, "headers": headers}, {
        "type": "http.response.body",
        "body": body,
    }


async def _gather_body(receive: Receive) -> bytes | int:
    """The whole body, or the status that ends the request: 408 (stopped arriving or client gone),
    413 (too large to gather)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return 408
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_GATHERED_BODY:
            return 413
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Django's ASGI application behind a full read of the body and a bound on views at once."""
    if scope["type"] != "http":
        await django_application(scope, receive, send)
        return
    CLIENT_GONE.set(False)
    body = await _gather_body(receive)
    if isinstance(body, int):
        CLIENT_GONE.set(body == 408)  # if the 408 finds nobody to send it to, the log says 499
        start, end = (
            _error(408, "request_timeout", "The request body did not arrive in time.")
            if body == 408
            else _error(413, "request_too_large", "The request body is too large.")
        )
        await send(start)
        await send(end)
        return
    state = {"replayed": False, "started": False, "gone": False}

    async def replay() -> dict[str, Any]:
        if not state["replayed"]:
            state["replayed"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        message = await receive()  # after the body: Django listens for the client hanging up
        if message["type"] == "http.disconnect" and not state["started"]:
            state["gone"] = True  # (called from Django's own task: the flag is set below, in this one)
        return message

    async def tracked_send(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["started"] = True
        await send(message)

    async with _views:
        await django_application(scope, replay, tracked_send)
    if state["gone"] and not state["started"]:
        CLIENT_GONE.set(True)  # read by the access logger: no answer reached anyone, so 499, not 500
