"""Under ASGI the middleware chain runs in sync mode, entered once from the event loop
(``SyncChainMiddleware``): not a hand-off between the loop and a thread around every middleware."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.conf import settings
from django.test import AsyncClient

pytestmark = pytest.mark.django_db(transaction=True)

LAST = "rxtriage.ops.middleware.SyncChainMiddleware"


def _hand_offs(monkeypatch: pytest.MonkeyPatch, path: str) -> tuple[int, int]:
    """(sync_to_async calls, status) for one request through Django's ASGI handler."""
    calls = []
    original = SyncToAsync.__call__

    async def counted(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    response = async_to_sync(AsyncClient().get)(path)
    monkeypatch.undo()
    return len(calls), response.status_code


def test_the_synchronous_middleware_is_innermost() -> None:
    assert settings.MIDDLEWARE[-1] == LAST


def test_an_asgi_request_enters_the_middleware_chain_once(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Counted: the hand-offs from the event loop to a thread for one request.  With the middleware:
    the request_started signal, the chain, CSRF's ``process_view``, the view, the response's render,
    the 4xx log line and close (7).  Without it, each middleware written with ``process_request`` /
    ``process_response`` adds its own (19 here)."""
    with_it, status = _hand_offs(monkeypatch, "/api/ping/")
    assert status == 401  # no token: the whole chain ran, and DRF answered
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != LAST]
    without, status = _hand_offs(monkeypatch, "/api/ping/")
    assert status == 401
    assert with_it <= 7 and without >= with_it + 10, (with_it, without)
