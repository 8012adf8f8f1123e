"""The API's error format: ``{"error": {"code", "message", "fields"?}}`` with stable codes.

Clients branch on ``code``, never on the English ``message``.  The codes:

=======================  ======  ============================================================
code                     status  when
=======================  ======  ============================================================
validation_error         400     the body or the query does not have the documented shape
parse_error              400     the body is not JSON
bad_host                 400     the ``Host`` header names a host this server does not serve
bad_request              400     a request Django itself refuses (a malformed request line, ...)
not_authenticated        401     no ``Authorization: Bearer`` token
authentication_failed    401     a malformed, unknown, expired or revoked token
permission_denied        403     the role may not do this
self_review_forbidden    403     a review of a request the reviewer sent themselves
csrf_failed              403     a cookie-authenticated form post without a valid CSRF token
not_found                404     no such resource (or not yours)
method_not_allowed       405     the path does not accept this method
not_acceptable           406     the ``Accept`` header excludes JSON
already_reviewed         409     a review of a request whose review is final
request_too_large        413     a body over 64 KB
unsupported_media_type   415     a body that is not ``application/json``
throttled                429     too many requests; see ``Retry-After``
internal_error           500     a bug (never bad input)
database_unavailable     503     the database does not answer
=======================  ======  ============================================================
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import DisallowedHost
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

__all__ = [
    "DATABASE_ERRORS",
    "AlreadyReviewed",
    "ApiError",
    "DatabaseUnavailable",
    "InternalError",
    "RequestTooLarge",
    "SelfReviewError",
    "bad_request",
    "csrf_failure",
    "error_body",
    "error_response",
    "exception_handler",
    "validation_error_body",
]

logger = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class ApiError(exceptions.APIException):
    """An error with a status, a default message and a stable machine-readable code."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


class RequestTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 64 KB."
    default_code = "request_too_large"


class AlreadyReviewed(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This request has already been reviewed."
    default_code = "already_reviewed"


class SelfReviewError(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Nobody may review a request they sent themselves."
    default_code = "self_review_forbidden"


class DatabaseUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "database_unavailable"


class InternalError(ApiError):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = "An internal error occurred."
    default_code = "internal_error"


def error_body(code: str, message: str, fields: Any = None) -> dict[str, Any]:
    """The error envelope."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def error_response(exc: exceptions.APIException) -> JsonResponse:
    """A plain Django response in the error format (for middleware and non-DRF views)."""
    response = JsonResponse(error_body(_code(exc), str(exc.detail)), status=exc.status_code)
    if isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = "5"
    return response


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    return str(getattr(exc, "default_code", "error"))


def _first_error(detail: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, message) of a nested validation error, to make ``message`` useful."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            found = _first_error(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found = _first_error(value, f"{path}.{index}" if path else str(index))
            else:
                found = (path, str(value))
            if found:
                return found
    elif detail:
        return (path, str(detail))
    return None


def validation_error_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    """The envelope of a validation error: every field error, and the first one as the message."""
    detail = exc.detail
    fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    first = _first_error(fields)
    message = "The request is not valid."
    if first:
        where, what = first
        message = (
            f"The request is not valid: {what}"
            if where == "non_field_errors"
            else (f"The request is not valid: {where}: {what}")
        )
    return error_body("validation_error", message, fields)


def _as_api_exception(exc: Exception, context: dict[str, Any]) -> exceptions.APIException:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DATABASE_ERRORS):
        logger.warning("database unavailable: %s", type(exc).__name__)
        return DatabaseUnavailable()
    view = context.get("view")
    logger.error("unhandled %s in %s", type(exc).__name__, type(view).__name__ if view else "?")
    logger.debug("unhandled error", exc_info=exc)
    return InternalError()


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, rewritten into the error envelope; never returns ``None``."""
    api_exc = _as_api_exception(exc, context)
    response = drf_exception_handler(api_exc, context)
    if response is None:  # pragma: no cover - every APIException gets a response
        set_rollback()
        response = Response(status=api_exc.status_code)
    if isinstance(api_exc, exceptions.ValidationError):
        response.data = validation_error_body(api_exc)
    else:
        response.data = error_body(_code(api_exc), str(api_exc.detail))
    if isinstance(api_exc, DatabaseUnavailable):
        response["Retry-After"] = "5"
    request = context.get("request")
    if request is not None and not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer):
        # Errors are JSON everywhere, also on views that render something else (the YAML schema).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    return response


# --- Errors Django answers before any view: JSON on API and health paths, Django's pages elsewhere ----
JSON_PATH_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")


def _json_path(request: HttpRequest) -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the error envelope on API and health paths (API clients send tokens, not
    cookies, so a CSRF failure there is a client that posted where it should not)."""
    if _json_path(request):
        return JsonResponse(
            error_body("csrf_failed", f"CSRF verification failed: {reason}".rstrip(": ")), status=403
        )
    return csrf.csrf_failure(request, reason=reason)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: a bad ``Host`` header (or another request Django refuses) on API and health
    paths answers the error envelope, not an HTML page."""
    if not _json_path(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        return JsonResponse(
            error_body("bad_host", "The Host header names a host this server does not serve."), status=400
        )
    return JsonResponse(error_body("bad_request", "Bad request."), status=400)
