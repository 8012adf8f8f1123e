"""The formulary admin: searchable by any name, and saving goes through the write path."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rxtriage.formulary.datafile import read_records
from rxtriage.formulary.models import Drug, DrugName
from rxtriage.formulary.selectors import formulary_version_get
from rxtriage.formulary.services import drug_upsert_many


@pytest.fixture
def admin_client(formulary: Any) -> Client:
    user = User.objects.create_superuser("formulary-admin", "admin@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_finds_a_medicine_by_its_brand(admin_client: Client) -> None:
    response = admin_client.get("/admin/formulary/drug/", {"q": "Flagyl"})
    assert response.status_code == 200
    assert [drug.generic_name for drug in response.context["cl"].result_list] == ["metronidazole"]


def test_the_admin_filters_by_schedule(admin_client: Client) -> None:
    response = admin_client.get("/admin/formulary/drug/", {"schedule__exact": "controlled", "all": ""})
    shown = {drug.generic_name for drug in response.context["cl"].result_list}
    assert "tramadol" in shown and "paracetamol" not in shown
    assert shown == set(Drug.objects.filter(schedule="controlled").values_list("generic_name", flat=True))


def test_saving_in_the_admin_rebuilds_names_and_bumps_the_version(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    drug = Drug.objects.get(generic_name="ibuprofen")
    version = formulary_version_get()
    form = admin_client.get(f"/admin/formulary/drug/{drug.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        brand_names='["Nurofen", "Brufen", "Ibuxyz"]',
        search_keywords="[]",
        abbreviations="[]",
        co_names="[]",
        components="[]",
        schedule="controlled",
        controlled_basis="ng_national",
        high_alert="on",
        **{"names-TOTAL_FORMS": "0", "names-INITIAL_FORMS": "0"},
    )
    data.pop("is_active", None)
    data["is_active"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/formulary/drug/{drug.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    drug.refresh_from_db()
    assert drug.schedule == "controlled"
    assert DrugName.objects.filter(drug=drug, name="ibuxiz", kind="brand").exists()
    assert formulary_version_get() == version + 1
    change = drug.history.latest()
    assert change.history_user.username == "formulary-admin"
    assert change.schedule == "controlled" and change.prev_record.schedule != "controlled"
    page = admin_client.get(f"/admin/formulary/drug/{drug.pk}/history/")
    assert page.status_code == 200 and b"formulary-admin" in page.content


def test_every_loaded_medicine_has_its_history_from_the_bulk_load(formulary: Any) -> None:
    drugs = Drug.objects.count()
    assert Drug.history.filter(history_type="+").values("id").distinct().count() == drugs


def test_a_bulk_load_that_changes_a_schedule_records_it_and_an_unchanged_load_records_nothing(
    formulary: Any,
) -> None:
    records = read_records()
    before = Drug.history.count()
    drug_upsert_many(records=records)
    assert Drug.history.count() == before  # nothing changed, nothing recorded
    changed = [replace(r, schedule="controlled") if r.generic_name == "ibuprofen" else r for r in records]
    drug_upsert_many(records=changed)
    row = Drug.objects.get(generic_name="ibuprofen").history.latest()
    assert row.history_type == "~" and row.schedule == "controlled"
    assert row.history_change_reason == "formulary load" and Drug.history.count() == before + 1
