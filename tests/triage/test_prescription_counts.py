"""Prescription counts come from stored requests and rank the cache warm-up."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from rxtriage.api.services import account_ensure
from rxtriage.formulary.models import Drug
from rxtriage.formulary.selectors import formulary_version_get
from rxtriage.triage.services import prescription_counts_refresh, prescription_request_create


def test_counts_follow_the_stored_requests_without_a_formulary_version_bump(formulary):
    patient = account_ensure(username="counting-patient", role="patient")
    for _ in range(3):
        prescription_request_create(user=patient, payload={"medications": [{"medicationName": "Flagyl 400"}]})
    prescription_request_create(user=patient, payload={"medications": [{"medicationName": "Panadol"}]})
    version = formulary_version_get()
    assert prescription_counts_refresh() == 2
    assert Drug.objects.get(generic_name="metronidazole").prescription_count == 3
    assert Drug.objects.get(generic_name="paracetamol").prescription_count == 1
    assert formulary_version_get() == version
    assert prescription_counts_refresh() == 0


@pytest.mark.redis
def test_warming_takes_the_most_prescribed_medicines_first(formulary, fresh_drug_cache):
    Drug.objects.filter(generic_name="metronidazole").update(prescription_count=10)
    out = io.StringIO()
    call_command("warm_drug_cache", "--top", "1", "--days", "0", stdout=out, stderr=io.StringIO())
    assert "into Redis" in out.getvalue()
    from rxtriage.lookup.api import lookup_one

    fresh_drug_cache.l1_clear()
    hits = fresh_drug_cache.stats["l2"].hits
    assert lookup_one(name="flagyl").generic_name == "metronidazole"
    assert fresh_drug_cache.stats["l2"].hits == hits + 1
