"""Per-user throttling on its own cache alias (``throttle``), shared by every worker of the server.

The ``throttle`` cache is Redis when ``REDIS_URL`` is set, else a file cache in the data directory
(settings.py): every process of ``rxtriage serve`` counts against the same budget, atomically.

* On Redis the sliding window of DRF's throttle (the times of the requests allowed in the last
  period) is a sorted set, trimmed, counted and added to by one Lua script: one round trip, atomic,
  no lock, so concurrent requests on different workers cannot both take the last slot.
* On the file cache DRF's own read-modify-write runs under ``flock`` on a file beside the cache.

Cache keys carry a keyed hash of the user id, never the id itself; the values are request times.  A
failing throttle store (Redis down or hung) fails open, with a warning at most once a minute:
throttling protects the service, it must never take it down.  After a failure the process leaves the
store alone for ``RETRY_AFTER`` seconds, so a hung Redis costs one socket timeout per process every
30 seconds (throttling is off meanwhile), not one per request.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import secrets
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

__all__ = ["SLIDING_WINDOW_LUA", "UserRateThrottle", "throttle_lock"]

logger = logging.getLogger(__name__)

WARNING_INTERVAL = 60.0
RETRY_AFTER = 30.0


def _opaque(value: str) -> str:
    """A stable keyed hash of ``value``, safe to store in a cache key."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


#: KEYS[1]: the window's sorted set; ARGV: now, period (s), allowed requests, a unique member.
#: Returns "0" when the request is allowed (and recorded), else the seconds until a slot frees.
SLIDING_WINDOW_LUA = """
local key, now, period = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
if redis.call('ZCARD', key) < tonumber(ARGV[3]) then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(period * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + period - now)
"""


@contextmanager
def throttle_lock(*, cache: BaseCache) -> Iterator[None]:
    """Hold the throttle's lock across processes: ``flock`` on the file cache's directory; nothing on a
    cache that lives in one process anyway."""
    if not isinstance(cache, FileBasedCache):
        yield
        return
    directory = Path(cache._dir)  # type: ignore[attr-defined]
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".throttle.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _redis_client(cache: BaseCache) -> Any:
    """The redis-py client behind a django-redis cache, else None."""
    client = getattr(cache, "client", None)
    return client.get_client(write=True) if client is not None and hasattr(client, "get_client") else None


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's user throttle with hashed keys, on the shared ``throttle`` cache, atomic, failing open."""

    cache = caches["throttle"]
    rate: str | None = None  # None: DEFAULT_THROTTLE_RATES["user"]; tests may set e.g. "2/min"
    _last_warning = 0.0
    _down_until = 0.0  # monotonic time until which the store is left alone after a failure
    num_requests: int  # set by DRF from the rate
    duration: int

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
            redis = _redis_client(self.cache)
            if redis is not None:
                return self._allow_in_redis(redis, key)
            with throttle_lock(cache=self.cache):
                return super().allow_request(request, view)
        except Exception as exc:  # the store is down: let the request through
            self._failed(exc)
            return True

    def _allow_in_redis(self, redis: Any, key: str) -> bool:
        now = self.timer()
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        args = [now, self.duration, self.num_requests, member]
        script = redis.register_script(SLIDING_WINDOW_LUA)  # EVALSHA, loading the script when needed
        wait = float(script(keys=[self.cache.make_key(key)], args=args))
        self._redis_wait = wait if wait > 0 else None
        return self._redis_wait is None

    def wait(self) -> float | None:
        """Seconds until the next request would be allowed (``Retry-After``)."""
        redis_wait = getattr(self, "_redis_wait", None)
        return redis_wait if redis_wait is not None else super().wait()

    @staticmethod
    def _failed(exc: Exception) -> None:
        now = time.monotonic()
        UserRateThrottle._down_until = now + RETRY_AFTER
        if now - UserRateThrottle._last_warning >= WARNING_INTERVAL:
            UserRateThrottle._last_warning = now
            logger.warning("throttle cache unavailable (%s): failing open", type(exc).__name__)
