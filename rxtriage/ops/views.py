"""Health, readiness and metrics endpoints (no authentication)."""

from __future__ import annotations

import os

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector


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


def scrape_registry() -> CollectorRegistry:
    """What a scrape shows: every worker's samples under ``rxtriage serve`` (prometheus_client's
    multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``), else this process's own registry."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: one view of all the server's workers."""
    from rxtriage.lookup.cache import drug_cache
    from rxtriage.lookup.server_metrics import server_metrics_text

    drug_cache.export_gauges()
    return HttpResponse(
        generate_latest(scrape_registry()) + server_metrics_text(), content_type=CONTENT_TYPE_LATEST
    )
