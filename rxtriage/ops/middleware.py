from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from rxtriage.metrics import HTTP_LATENCY, HTTP_REQUESTS


class MetricsMiddleware:
    """Count requests by status and time them by route name (never by raw path: no ids in labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match and match.view_name else "unmatched"
        HTTP_LATENCY.labels(view=view).observe(time.perf_counter() - start)
        HTTP_REQUESTS.labels(method=request.method, status=str(response.status_code)).inc()
        return response
