"""Warming fills the shared cache with the names about to be asked for, ranked by hour of the week."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from rxtriage.api.services import account_ensure
from rxtriage.lookup.api import lookup_one
from rxtriage.triage.models import PrescriptionRequest
from rxtriage.triage.services import prescription_request_create
from rxtriage.triage.warming import demand_names, warm_names

MONDAY_8 = dt.datetime(2026, 11, 30, 8, 10, tzinfo=dt.UTC)  # a Monday
FRIDAY_20 = dt.datetime(2026, 11, 27, 20, 40, tzinfo=dt.UTC)  # the Friday before


def _asked(name: str, at: dt.datetime, times: int) -> None:
    patient = account_ensure(username="warming-patient", role="patient")
    for _ in range(times):
        obj = prescription_request_create(user=patient, payload={"medications": [{"medicationName": name}]})
        PrescriptionRequest.objects.filter(pk=obj.pk).update(created_at=at)


def test_names_asked_for_at_this_hour_of_the_week_come_first(formulary: Any) -> None:
    _asked("Coartem", MONDAY_8, 3)
    _asked("Panadol Extra", FRIDAY_20, 5)
    _asked("Flagyl 400", MONDAY_8 - dt.timedelta(days=40), 9)  # outside the 28-day window
    monday_morning = demand_names(days=28, at=dt.datetime(2026, 12, 7, 7, 30, tzinfo=dt.UTC))
    friday_evening = demand_names(days=28, at=dt.datetime(2026, 12, 4, 19, 30, tzinfo=dt.UTC))
    assert monday_morning == ["Coartem", "Panadol Extra"]
    assert friday_evening == ["Panadol Extra", "Coartem"]
    # at an hour nobody asked for anything, overall demand ranks
    assert demand_names(days=28, at=dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)) == [
        "Panadol Extra",
        "Coartem",
    ]


def test_the_warm_list_puts_demand_before_the_formulary_and_holds_each_name_once(formulary: Any) -> None:
    _asked("Coartem", MONDAY_8, 2)
    names = warm_names(top=3, days=28, at=dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC))
    assert names[0] == "Coartem"
    assert len(names) == len(set(names)) and len(names) > 3


@pytest.mark.redis
def test_warming_fills_redis_so_another_process_finds_the_names_there(
    formulary: Any, fresh_drug_cache: Any
) -> None:
    _asked("Coartem", MONDAY_8, 1)
    out = io.StringIO()
    call_command("warm_drug_cache", "--top", "2", "-v", "0", stdout=out, stderr=io.StringIO())
    assert "into Redis" in out.getvalue()
    fresh_drug_cache.l1_clear()  # a server process: nothing in its own L1
    hits = fresh_drug_cache.stats["l2"].hits
    assert lookup_one(name="Coartem").generic_name == "artemether/lumefantrine"
    assert fresh_drug_cache.stats["l2"].hits == hits + 1


def test_without_redis_the_command_says_there_is_nothing_shared_to_warm(
    formulary: Any, fresh_drug_cache: Any
) -> None:
    if fresh_drug_cache.l2_configured:
        pytest.skip("the embedded default only")
    out = io.StringIO()
    call_command("warm_drug_cache", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("nothing shared to warm")
    assert fresh_drug_cache.snapshot()["l1"]["size"] == 0
