"""The API's error format: ``{"error": {"code", "message", "fields"?}}`` with stable codes."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

__all__ = ["ApiError", "exception_handler"]


class ApiError(exceptions.APIException):
    """An error with a status, a default message and a stable machine-readable code."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", None)
    body: dict[str, Any] = {"code": code, "message": str(detail) if not isinstance(detail, dict | list) else ""}
    if isinstance(detail, dict):
        body["fields"] = detail
        body["message"] = "The request is not valid."
    response.data = {"error": body}
    return response
