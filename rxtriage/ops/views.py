"""Health, readiness and metrics endpoints (no authentication)."""

from __future__ import annotations

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers (503 when it does not).  Redis is optional."""
    from rxtriage.lookup.cache import drug_cache

    checks: dict[str, str] = {}
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    checks["redis"] = drug_cache.l2_status()
    ready = checks["database"] == "ok"
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format."""
    from rxtriage.lookup.cache import drug_cache
    from rxtriage.lookup.server_metrics import server_metrics_text

    drug_cache.export_gauges()
    return HttpResponse(generate_latest() + server_metrics_text(), content_type=CONTENT_TYPE_LATEST)
