"""Guards for ``/api/`` paths, before and around the views.

* A body over 64 KB is refused with 413 ``request_too_large`` before anything parses it: first from
  ``CONTENT_LENGTH``, then from the bytes actually read.
* A database that does not answer is a 503 ``database_unavailable``, wherever it failed.
* Any other unhandled error on an API path is a JSON 500, never Django's HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from rxtriage.api.errors import (
    DATABASE_ERRORS,
    DatabaseUnavailable,
    InternalError,
    RequestTooLarge,
    error_response,
)
from rxtriage.api.limits import MAX_BODY_BYTES

__all__ = ["ApiGuardMiddleware"]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def body_too_large(request: HttpRequest) -> bool:
    """Whether the body is over the limit, by its declared length or by what was actually sent."""
    if _declared_length(request) > MAX_BODY_BYTES:
        return True
    try:
        return len(request.body) > MAX_BODY_BYTES
    except RequestDataTooBig:
        return True


class ApiGuardMiddleware:
    """Size limit, database failures and JSON-only errors for ``/api/`` paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if body_too_large(request):
            return error_response(RequestTooLarge())
        try:
            return self.get_response(request)
        except DATABASE_ERRORS as exc:
            logger.warning("database unavailable: %s", type(exc).__name__)
            return error_response(DatabaseUnavailable())

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Errors that escaped a view on an API path: JSON, never an HTML page."""
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable: %s", type(exception).__name__)
            return error_response(DatabaseUnavailable())
        logger.error("unhandled %s on an API path", type(exception).__name__)
        logger.debug("unhandled error", exc_info=exception)
        return error_response(InternalError())
