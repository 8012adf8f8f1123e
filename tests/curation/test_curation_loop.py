"""The curation loop: names from traffic counted by key, approved through the formulary write path
(seen by every process within a second), rejected for good, exported in the shipped data format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from rxtriage.api.services import account_ensure, token_create
from rxtriage.curation import services
from rxtriage.curation.api import (
    CurationError,
    curation_approve,
    curation_export,
    curation_list,
    curation_reject,
)
from rxtriage.curation.models import CurationStatus, UnresolvedName
from rxtriage.formulary.datafile import read_records
from rxtriage.formulary.models import Drug
from rxtriage.formulary.services import drug_save
from rxtriage.lookup.api import lookup_one
from tests.support import committed

UNKNOWN_BRAND = "Zorvimax"  # a made-up artemether/lumefantrine brand: never in the shipped data
ACT = "artemether/lumefantrine"


def _request(name: str) -> dict[str, Any]:
    return {"medications": [{"medicationName": name}], "symptoms": "fever for two days", "duration": "2 days"}


@pytest.fixture
def patient(formulary: Any) -> APIClient:
    client = APIClient()
    token = token_create(user=account_ensure(username="curation-patient", role="patient"))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _listed(min_count: int = 1) -> dict[str, dict[str, Any]]:
    buffer = StringIO()
    call_command("curation", "list", "--json", "--min-count", str(min_count), stdout=buffer)
    return {item["key"]: item for item in json.loads(buffer.getvalue())}


def test_an_unknown_brand_posted_three_times_over_http_is_listed_with_count_three(patient: APIClient) -> None:
    for typed in (f"{UNKNOWN_BRAND} 80/480 tabs", UNKNOWN_BRAND, f"{UNKNOWN_BRAND.upper()} x2 cards"):
        response = patient.post("/api/prescriptions/requests/", _request(typed), format="json")
        assert response.status_code == 201
        assert response.json()["triage"]["route"] == "doctor"
    item = _listed()["zorvimax"]
    assert item["count"] == 3
    assert item["first_seen"] <= item["last_seen"]
    assert set(item) == {"key", "count", "first_seen", "last_seen", "candidates", "status", "drug", "kind"}


def test_only_the_normalised_key_is_stored_never_who_typed_it_or_the_request(patient: APIClient) -> None:
    patient.post("/api/prescriptions/requests/", _request("Zorvimax for my daughter Ngozi"), format="json")
    row = UnresolvedName.objects.get()
    assert row.key == "zorvimax"
    assert "ngozi" not in json.dumps(list(UnresolvedName.objects.values()), default=str).lower()


def test_resolved_names_and_listed_non_medicines_are_not_counted(patient: APIClient) -> None:
    for typed in ("Panadol 500mg", "malaria drug", "MTX 2.5mg"):
        patient.post("/api/prescriptions/requests/", _request(typed), format="json")
    assert _listed() == {}


def test_a_fuzzy_match_to_confirm_is_counted_with_its_candidates(patient: APIClient) -> None:
    patient.post("/api/prescriptions/requests/", _request("paracetamool"), format="json")
    (item,) = _listed().values()
    assert item["candidates"][0] == "paracetamol"


def test_a_failing_count_never_breaks_the_request(patient: APIClient) -> None:
    with mock.patch.object(services, "_upsert", side_effect=RuntimeError("database gone")):
        response = patient.post("/api/prescriptions/requests/", _request(UNKNOWN_BRAND), format="json")
    assert response.status_code == 201
    assert UnresolvedName.objects.count() == 0


def test_a_database_error_while_counting_rolls_back_only_the_count(patient: APIClient) -> None:
    broken = "INSERT INTO curation_no_such_table VALUES {rows}"
    with mock.patch.object(services, "_UPSERT_SQL", broken):
        response = patient.post("/api/prescriptions/requests/", _request(UNKNOWN_BRAND), format="json")
    assert response.status_code == 201
    assert patient.get(f"/api/prescriptions/requests/{response.json()['id']}/").status_code == 200
    assert UnresolvedName.objects.count() == 0


def test_rejecting_a_key_removes_it_from_the_list_for_good(patient: APIClient) -> None:
    for typed in ("Zorvimax", "Blorbex syrup"):
        patient.post("/api/prescriptions/requests/", _request(typed), format="json")
    call_command("curation", "reject", "blorbex")
    assert set(_listed()) == {"zorvimax"}
    patient.post("/api/prescriptions/requests/", _request("Blorbex syrup"), format="json")
    assert set(_listed()) == {"zorvimax"}
    assert UnresolvedName.objects.get(key="blorbex").status == CurationStatus.REJECTED


def test_an_approved_key_resolves_to_its_medicine_and_stops_showing(
    patient: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    patient.post("/api/prescriptions/requests/", _request(UNKNOWN_BRAND), format="json")
    with django_capture_on_commit_callbacks(execute=True):  # the command's commit bumps the version
        call_command("curation", "approve", "zorvimax", "--drug", ACT, "--kind", "brand")
    assert _listed() == {}
    result = lookup_one(name="Zorvimax 80/480 tablets")
    assert (result.match, result.drug and result.drug["generic_name"]) == ("brand", ACT)
    assert "zorvimax" in Drug.objects.get(generic_name=ACT).brand_names


def test_an_approval_that_would_make_a_name_ambiguous_is_refused(formulary: Any) -> None:
    with pytest.raises(CurationError) as refused:
        curation_approve(key="panadol", generic_name="ibuprofen")
    assert refused.value.code == "key_names_another_medicine"
    with pytest.raises(CurationError):
        curation_approve(key="zorvimax", generic_name="not a medicine")
    with pytest.raises(CurationError):
        curation_approve(key="zorvimax", generic_name=ACT, kind="nickname")


def test_approved_names_export_in_the_shipped_data_format(formulary: Any, tmp_path: Path) -> None:
    curation_approve(key="zorvimax", generic_name=ACT)
    curation_approve(key="zrvmx", generic_name=ACT, kind="abbreviation")
    call_command("curation", "export", str(tmp_path / "approved.yaml"))
    (record,) = read_records(tmp_path / "approved.yaml")
    assert record.generic_name == ACT
    assert "zorvimax" in record.brand_names and "zrvmx" in record.abbreviations
    assert record.review and "approved by pharmacists" in record.review
    assert curation_export().startswith("#")


def test_the_console_functions_take_keyword_arguments_only(formulary: Any) -> None:
    with pytest.raises(TypeError):
        curation_list(2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        curation_reject("zorvimax")  # type: ignore[call-arg]
    curation_reject(key="zorvimax")
    assert curation_list(status=CurationStatus.REJECTED, min_count=0)[0].key == "zorvimax"


def test_the_admin_approves_and_rejects_through_the_services(
    formulary: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("pharm-admin", "p@example.com", "pw-12345678")
    client.force_login(admin)
    services.unresolved_names_record(results=[lookup_one(name="Zorvimax"), lookup_one(name="Blorbex")])
    zorvimax, blorbex = UnresolvedName.objects.get(key="zorvimax"), UnresolvedName.objects.get(key="blorbex")
    UnresolvedName.objects.filter(pk=zorvimax.pk).update(drug=Drug.objects.get(generic_name=ACT))
    url = "/admin/curation/unresolvedname/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve_selected", "_selected_action": [zorvimax.pk]})
    client.post(url, {"action": "reject_selected", "_selected_action": [blorbex.pk]})
    assert UnresolvedName.objects.get(pk=zorvimax.pk).status == CurationStatus.APPROVED
    assert UnresolvedName.objects.get(pk=blorbex.pk).status == CurationStatus.REJECTED
    assert lookup_one(name="Zorvimax").drug is not None
    assert client.get(url).status_code == 200


# --- another process resolves an approved key within a second -------------------------------------

WATCHER = """
import os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
django.setup()
from rxtriage.bootstrap import ensure_ready
ensure_ready()
from rxtriage.lookup.api import lookup_one
first = lookup_one(name=sys.argv[1])
print("ready", first.match, flush=True)
sys.stdin.readline()
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    drug = lookup_one(name=sys.argv[1]).drug
    print(f"{time.time():.3f} {drug['generic_name'] if drug else '-'}", flush=True)
    if drug:
        break
    time.sleep(0.02)
"""


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"



def _undo_approval() -> None:
    drug = Drug.objects.get(generic_name=ACT)
    drug.brand_names = [n for n in drug.brand_names if n != "zorvimax"]
    drug_save(drug=drug)
    UnresolvedName.objects.filter(key="zorvimax").delete()


@pytest.fixture
def other_process_env(
    formulary: Any, tmp_path: Path
) -> Iterator[tuple[dict[str, str], Callable[[], object]]]:
    """The environment of another process on this test's database, and how to approve there.

    PostgreSQL: the test database, the approval committed on its own connection (undone afterwards).
    SQLite: the embedded default in a fresh data folder (created and loaded on first use); the approval
    runs as ``rxtriage curation approve`` in a third process.
    """
    if connection.vendor == "postgresql":
        env = {**os.environ, "DATABASE_URL": _database_url(), "DRUG_CACHE_PREFIX": "rxtest:curation:"}
        yield env, lambda: committed(lambda: curation_approve(key="zorvimax", generic_name=ACT))
        committed(_undo_approval)
        return
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["RXTRIAGE_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "rxtriage.cli", "curation", "approve", "zorvimax", "--drug", ACT]
    yield env, lambda: subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)


@pytest.mark.slow
def test_approving_a_key_makes_another_process_resolve_it_within_a_second(
    other_process_env: tuple[dict[str, str], Callable[[], None]],
) -> None:
    env, approve = other_process_env
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, "Zorvimax 80/480"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdin is not None and watcher.stdout is not None
        assert watcher.stdout.readline().split() == ["ready", "none"]  # warm: it cached "not found"
        approve()
        approved = time.time()
        watcher.stdin.write("go\n")
        watcher.stdin.flush()
        lines = [line.split() for line in watcher.stdout]
        watcher.wait(20)
    finally:
        watcher.kill()
    seen = [float(stamp) for stamp, generic in lines if generic == ACT]
    assert seen, "the other process never resolved the approved name"
    assert seen[0] - approved <= 1.0


def test_an_approved_name_survives_reloading_the_shipped_formulary(formulary: Any) -> None:
    curation_approve(key="zorvimax", generic_name=ACT)
    call_command("load_formulary", verbosity=0)
    assert "zorvimax" in Drug.objects.get(generic_name=ACT).brand_names
    assert UnresolvedName.objects.get(key="zorvimax").status == CurationStatus.APPROVED
