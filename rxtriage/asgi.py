"""ASGI entry point (``rxtriage serve`` runs it under gunicorn's ``asgi`` worker).

Under ASGI the server reads a request's body in its event loop and Django reads it in full before a
view runs, so a client that sends half a body holds a coroutine, not a worker (see
docs/reliability.md, "Slow clients").  The server stops waiting for a body after ``--timeout`` seconds
and tells the application the client is gone; Django then gives up without a response, which the
server would send as a 500.  It is the client that failed, so it gets a 408 ``request_timeout`` instead
(and a client that hung up before any answer is logged 499, not 500: ``rxtriage.ops.gunicorn_conf``).
"""

from __future__ import annotations

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

REQUEST_TIMEOUT_BODY = json.dumps(
    {"error": {"code": "request_timeout", "message": "The request body did not arrive in time."}}
).encode()

django_application = get_asgi_application()


async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Django's ASGI application, answering 408 when the body stopped arriving before it was whole."""
    if scope["type"] != "http":
        await django_application(scope, receive, send)
        return
    CLIENT_GONE.set(False)
    state = {"body_done": False, "cut_off": False, "gone": False, "started": False}

    async def tracked_receive() -> dict[str, Any]:
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            state["body_done"] = True
        elif message["type"] == "http.disconnect" and not state["started"]:
            state["gone"] = True  # before any answer: the client hung up, or its body stopped coming
            state["cut_off"] = not state["body_done"]
        return message

    async def tracked_send(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["started"] = True
        await send(message)

    await django_application(scope, tracked_receive, tracked_send)
    if state["gone"] and not state["started"]:
        CLIENT_GONE.set(True)  # read by the access logger: no answer reached anyone, so 499, not 500
    if state["cut_off"] and not state["started"]:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(REQUEST_TIMEOUT_BODY)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 408, "headers": headers})
        await send({"type": "http.response.body", "body": REQUEST_TIMEOUT_BODY})
