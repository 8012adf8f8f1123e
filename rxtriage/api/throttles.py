"""Per-user throttling on its own cache alias (``throttle``), shared by every worker of the server.

The ``throttle`` cache is Redis when ``REDIS_URL`` is set, else a file cache in the data directory
(settings.py): every process of ``rxtriage serve`` counts against the same history.  DRF's throttle
reads a history, then writes it back; that read-modify-write runs under a lock all the processes see
(a Redis lock, or ``flock`` on a file beside the file cache), so concurrent requests on different
workers cannot both take the last slot.

Cache keys carry a keyed hash of the user id, never the id itself.  A failing throttle cache (Redis
down or hung) fails open, with a warning at most once a minute: throttling protects the service, it
must never take it down.  After a failure the process leaves the store alone for ``RETRY_AFTER``
seconds, so a hung Redis costs one socket timeout per process every few seconds, not one per request.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from rest_framework import throttling
from rest_framework.request import Request

__all__ = ["UserRateThrottle", "throttle_lock"]

logger = logging.getLogger(__name__)

#: Seconds a Redis throttle lock lives at most, and a request waits for it at most.
LOCK_TTL = 2.0
LOCK_WAIT = 1.0
LOCK_POLL = 0.002
WARNING_INTERVAL = 60.0
RETRY_AFTER = 5.0


def _opaque(value: str) -> str:
    """A stable keyed hash of ``value``, safe to store in a cache key."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


@contextmanager
def throttle_lock(*, cache: BaseCache, key: str) -> Iterator[None]:
    """Hold the lock of ``key``'s history across processes: a Redis lock on django-redis, ``flock`` on
    the file cache's directory, nothing on a cache that lives in one process anyway."""
    if callable(getattr(cache, "lock", None)):  # django-redis
        with cache.lock(f"{key}:lock", timeout=LOCK_TTL, blocking_timeout=LOCK_WAIT, sleep=LOCK_POLL):  # type: ignore[attr-defined]
            yield
    elif isinstance(cache, FileBasedCache):
        directory = Path(cache._dir)  # type: ignore[attr-defined]
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".throttle.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's user throttle with hashed keys, on the shared ``throttle`` cache, atomic, failing open."""

    cache = caches["throttle"]
    rate: str | None = None  # None: DEFAULT_THROTTLE_RATES["user"]; tests may set e.g. "2/min"
    _last_warning = 0.0
    _down_until = 0.0  # monotonic time until which the store is left alone after a failure

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": _opaque(ident)}

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None or time.monotonic() < UserRateThrottle._down_until:
            return True
        try:
            with throttle_lock(cache=self.cache, key=key):
                return super().allow_request(request, view)
        except Exception as exc:  # the cache is down or the lock unobtainable: let the request through
            self._failed(exc)
            return True

    @staticmethod
    def _failed(exc: Exception) -> None:
        now = time.monotonic()
        UserRateThrottle._down_until = now + RETRY_AFTER
        if now - UserRateThrottle._last_warning >= WARNING_INTERVAL:
            UserRateThrottle._last_warning = now
            logger.warning("throttle cache unavailable (%s): failing open", type(exc).__name__)
