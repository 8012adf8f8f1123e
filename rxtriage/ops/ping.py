"""A trivial DRF endpoint: the framework's ceiling on this machine, for the HTTP benchmark.

``GET /api/ping/`` answers ``{"ok": true}`` through the project's default authentication, permission
and throttling, so it pays every cost of an API request except the view's own work.  Left out of the
OpenAPI schema.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

__all__ = ["PingView"]


class PingView(APIView):
    """``{"ok": true}`` for an authenticated caller."""

    @extend_schema(exclude=True)  # an operations probe, not part of the public API
    def get(self, request: Request) -> Response:
        return Response({"ok": True})
