"""Per-user throttling on its own cache alias (``throttle``).

Cache keys carry a keyed hash of the user id, never the id itself.  A failing throttle cache fails
open: throttling protects the service, it must never take it down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework import throttling
from rest_framework.request import Request

__all__ = ["UserRateThrottle"]

logger = logging.getLogger(__name__)


def _opaque(value: str) -> str:
    """A stable keyed hash of ``value``, safe to store in a cache key."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's user throttle with hashed keys, on the ``throttle`` cache, failing open."""

    cache = caches["throttle"]
    rate: str | None = None  # None: DEFAULT_THROTTLE_RATES["user"]; tests may set e.g. "2/min"

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": _opaque(ident)}

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache is down: let the request through
            logger.warning("throttle cache unavailable (%s): failing open", type(exc).__name__)
            return True
