"""The warming replay: the shared cache's hit rate per minute after a version bump, per warming."""

from __future__ import annotations

from typing import Any

import pytest

from bench.warm_replay import replay
from rxtriage.lookup.cache import drug_cache


@pytest.mark.redis
@pytest.mark.django_db
def test_the_replay_reports_hit_rates_and_warming_by_demand_helps_the_first_minute(formulary: Any) -> None:
    prefix = drug_cache.prefix
    result = replay(minutes=2, names_per_minute=120, budget=60, universe=300, seed=3)
    assert set(result["hit_rate_per_minute"]) == {"cold", "prescription_count", "demand_by_hour_of_week"}
    assert all(len(rates) == 2 for rates in result["hit_rate_per_minute"].values())
    assert result["warmed_names"]["cold"] == 0 and result["warmed_names"]["demand_by_hour_of_week"] == 60
    first = result["hit_rate_first_minute"]
    assert first["demand_by_hour_of_week"] > first["cold"]
    assert drug_cache.prefix == prefix and drug_cache.l1_enabled  # the process's cache is given back
    from rxtriage.triage.models import MedicationLine

    assert not MedicationLine.objects.filter(request__requester__username__startswith="bench-warm-").exists()
