"""/metrics and cache_stats report Redis's memory, evictions and hit rate, and readiness, at scrape time;
every metric the alert rules and the dashboard use is one the app really exports."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client

from rxtriage.lookup.api import lookup_many

ROOT = Path(__file__).resolve().parents[2]


def _scrape() -> dict[str, float]:
    """Sample name (with labels) -> value of one /metrics scrape."""
    response = Client().get("/metrics")
    assert response.status_code == 200
    samples: dict[str, float] = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def _names(samples: dict[str, float]) -> set[str]:
    return {re.sub(r"\{.*", "", name) for name in samples}


@pytest.mark.django_db
def test_metrics_report_readiness_from_the_database(formulary: Any) -> None:
    assert _scrape()["rxtriage_ready"] == 1.0
    from django.db import connections

    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("down")):
        assert _scrape()["rxtriage_ready"] == 0.0


@pytest.mark.redis
@pytest.mark.django_db
def test_metrics_and_cache_stats_report_redis_memory_evictions_and_hit_rate(formulary: Any) -> None:
    lookup_many(names=["Panadol", "Amoxil"])
    samples = _scrape()
    assert samples["rxtriage_redis_up"] == 1.0
    assert samples["rxtriage_redis_used_memory_bytes"] > 0
    assert samples["rxtriage_redis_evicted_keys_total"] >= 0
    assert 0.0 <= samples["rxtriage_redis_keyspace_hit_ratio"] <= 1.0
    out = StringIO()
    call_command("cache_stats", "--json", stdout=out)
    l2 = json.loads(out.getvalue())["l2"]
    assert l2["used_memory"] > 0 and l2["evicted_keys"] >= 0 and l2["maxmemory"] >= 0
    assert l2["hit_rate"] is None or 0.0 <= l2["hit_rate"] <= 1.0


@pytest.mark.redis
@pytest.mark.django_db
def test_an_open_breaker_keeps_the_scrape_away_from_redis(formulary: Any, fresh_drug_cache: Any) -> None:
    for _ in range(fresh_drug_cache.breaker.failures):
        fresh_drug_cache.breaker.failure()
    skipped = fresh_drug_cache.stats["l2"].skipped
    samples = _scrape()
    assert samples["rxtriage_redis_up"] == 0.0
    assert "rxtriage_redis_used_memory_bytes" not in samples
    assert fresh_drug_cache.stats["l2"].skipped == skipped + 1


@pytest.mark.redis
@pytest.mark.django_db
def test_every_metric_of_the_alert_rules_and_the_dashboard_is_exported(formulary: Any) -> None:
    from django.contrib.auth import get_user_model

    from rxtriage.triage.services import prescription_request_create

    user = get_user_model().objects.create(username="metrics-probe")
    payload = {"medications": [{"medicationName": "Panadol"}], "symptoms": "headache", "duration": "1 day"}
    prescription_request_create(user=user, payload=payload)
    Client().get("/healthz")
    exported = _names(_scrape())
    histograms = {n.removesuffix("_bucket") for n in exported if n.endswith("_bucket")}
    rules = yaml.safe_load((ROOT / "monitoring/rxtriage-rules.yml").read_text())
    used = {
        name
        for group in rules["groups"]
        for rule in group["rules"]
        for name in re.findall(r"\b(rxtriage_[a-z0-9_]+)", rule["expr"])
    }
    board = json.loads((ROOT / "monitoring/grafana-dashboard.json").read_text())
    used |= {
        name
        for panel in board["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(rxtriage_[a-z0-9_]+)", target["expr"])
    }
    missing = {n for n in used if n not in exported and n.removesuffix("_bucket") not in histograms}
    assert not missing, f"used by rules or dashboard but not exported: {sorted(missing)}"
