"""Figures read at scrape time: the drug cache's Redis (memory, evictions, hit rate) and readiness.

Read when ``/metrics`` is scraped (not by a background thread), through the drug cache's circuit
breaker: an open breaker skips Redis (``rxtriage_redis_up`` 0), so a dead or hung Redis costs a scrape
no more than it costs a request.  Kept in a registry of its own, so the metrics endpoint can append it
to whatever registry it renders (one process or gunicorn's many).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["ServerCollector", "server_metrics_text"]


def _database_up() -> bool:
    from django.db import connections

    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


class ServerCollector(Collector):
    """``rxtriage_ready`` (the database answers), ``rxtriage_redis_*`` from Redis INFO."""

    def collect(self) -> Iterator[Metric]:
        from rxtriage.lookup.cache import drug_cache

        yield GaugeMetricFamily(
            "rxtriage_ready", "1 when the database answers (as /readyz), else 0.", value=int(_database_up())
        )
        if not drug_cache.l2_configured:
            return
        info: dict[str, Any] = drug_cache.l2_info()
        yield GaugeMetricFamily(
            "rxtriage_redis_up",
            "1 when the drug cache's Redis answered INFO at this scrape.",
            value=int(bool(info)),
        )
        if not info:
            return
        gauges = {
            "used_memory": ("rxtriage_redis_used_memory_bytes", "Redis used_memory (bytes)."),
            "maxmemory": ("rxtriage_redis_maxmemory_bytes", "Redis maxmemory (bytes; 0 = no limit)."),
            "dbsize": ("rxtriage_redis_keys", "Keys in the drug cache's Redis database."),
            "hit_rate": ("rxtriage_redis_keyspace_hit_ratio", "Redis keyspace hits / (hits + misses)."),
        }
        for field, (name, text) in gauges.items():
            if info.get(field) is not None:
                yield GaugeMetricFamily(name, text, value=float(info[field]))
        counters = {
            "evicted_keys": ("rxtriage_redis_evicted_keys", "Keys Redis evicted for lack of memory."),
            "keyspace_hits": ("rxtriage_redis_keyspace_hits", "Redis keyspace hits (server-wide)."),
            "keyspace_misses": ("rxtriage_redis_keyspace_misses", "Redis keyspace misses (server-wide)."),
        }
        for field, (name, text) in counters.items():
            if info.get(field) is not None:
                yield CounterMetricFamily(name, text, value=float(info[field]))


_REGISTRY = CollectorRegistry(auto_describe=False)
_REGISTRY.register(ServerCollector())


def server_metrics_text() -> bytes:
    """The scrape-time figures in Prometheus text format."""
    return generate_latest(_REGISTRY)
