"""Prometheus metrics of rxtriage (exposed at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BREAKER_OPEN",
    "CACHE_EVENTS",
    "CACHE_LATENCY",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "LOOKUP_RESULTS",
    "TRIAGE_DECISIONS",
]

CACHE_EVENTS = Counter(
    "rxtriage_drug_cache_events_total",
    "Drug cache events by tier (l1, l2) and event (hit, miss, negative_hit, error).",
    ["tier", "event"],
)
CACHE_LATENCY = Histogram(
    "rxtriage_drug_lookup_tier_seconds",
    "Time spent in each lookup tier (l1, l2, db, fuzzy) per lookup_many call.",
    ["tier"],
    buckets=(0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
)
# Under ``rxtriage serve`` every worker writes its own samples (prometheus_client multiprocess mode); a
# scrape shows the largest value among the live workers: 1 while any worker's breaker is open.
BREAKER_OPEN = Gauge(
    "rxtriage_redis_breaker_open",
    "1 while the Redis circuit breaker of any live worker is open.",
    multiprocess_mode="livemax",
)
LOOKUP_RESULTS = Counter("rxtriage_drug_lookups_total", "Names resolved, by match kind.", ["match"])
TRIAGE_DECISIONS = Counter("rxtriage_triage_decisions_total", "Triage decisions by route.", ["route"])
HTTP_REQUESTS = Counter(
    "rxtriage_http_requests_total",
    "HTTP requests by method (known methods, else other) and status.",
    ["method", "status"],
)
HTTP_LATENCY = Histogram(
    "rxtriage_http_request_seconds",
    "HTTP request latency by URL pattern name (unmatched when none).",
    ["view"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
