"""Formulary reads carry an ETag from the formulary version, answer 304 to it, and change on any write."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from rxtriage.formulary.models import Drug
from rxtriage.formulary.services import drug_save


def _paths() -> list[str]:
    paracetamol = Drug.objects.get(generic_name="paracetamol")
    return [
        f"/api/drugs/{paracetamol.pk}/",
        "/api/drugs/search/?q=paracet&limit=5",
        "/api/drugs/resolve/?name=Panadol%20500mg",
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_formulary_read_carries_a_weak_etag_and_a_private_max_age(patient: APIClient, which: int) -> None:
    response = patient.get(_paths()[which])
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"') and response["ETag"].endswith('"')
    assert response["Cache-Control"] == "private, max-age=60"


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_matching_if_none_match_gets_304_without_a_body(patient: APIClient, which: int) -> None:
    path = _paths()[which]
    tag = patient.get(path)["ETag"]
    again = patient.get(path, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag and again["Cache-Control"].startswith("private")
    listed = patient.get(path, HTTP_IF_NONE_MATCH=f'"other", {tag.removeprefix("W/")}')
    assert listed.status_code == 304  # weak comparison, any tag of a list
    assert patient.get(path, HTTP_IF_NONE_MATCH='W/"stale"').status_code == 200


def test_the_etag_depends_on_the_request_but_not_on_who_asks(
    patient: APIClient, pharmacist: APIClient
) -> None:
    a = patient.get("/api/drugs/search/?q=paracet&limit=5")["ETag"]
    assert pharmacist.get("/api/drugs/search/?q=paracet&limit=5")["ETag"] == a
    assert patient.get("/api/drugs/search/?limit=5&q=paracet")["ETag"] == a
    assert patient.get("/api/drugs/search/?q=paracet&limit=6")["ETag"] != a
    assert patient.get("/api/drugs/search/?q=amox&limit=5")["ETag"] != a


def test_any_formulary_write_changes_the_etag_and_the_old_one_gets_fresh_data(
    patient: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    paths = _paths()
    before = {path: patient.get(path)["ETag"] for path in paths}
    drug = Drug.objects.get(generic_name="ibuprofen")
    drug.schedule, drug.controlled_basis = "controlled", "ng_national"
    with django_capture_on_commit_callbacks(execute=True):
        drug_save(drug=drug)
    for path in paths:
        response = patient.get(path, HTTP_IF_NONE_MATCH=before[path])
        assert response.status_code == 200, path
        assert response["ETag"] != before[path]
    detail = patient.get(f"/api/drugs/{drug.pk}/")
    assert detail.json()["schedule"] == "controlled"


def test_the_etag_is_checked_only_after_authentication(patient: APIClient, anonymous: APIClient) -> None:
    path = _paths()[0]
    tag = patient.get(path)["ETag"]
    assert anonymous.get(path, HTTP_IF_NONE_MATCH=tag).status_code == 401


def test_an_error_answer_carries_no_etag(patient: APIClient) -> None:
    missing = patient.get("/api/drugs/999999999/")
    assert missing.status_code == 404 and not missing.has_header("ETag")
    invalid = patient.get("/api/drugs/resolve/?name=")
    assert invalid.status_code == 400 and not invalid.has_header("ETag")


@override_settings(FORMULARY_HTTP_MAX_AGE=5)
def test_the_max_age_follows_its_setting(patient: APIClient) -> None:
    assert patient.get(_paths()[1])["Cache-Control"] == "private, max-age=5"


def test_patient_data_answers_carry_no_formulary_etag(patient: APIClient) -> None:
    response = patient.get("/api/prescriptions/requests/")
    assert response.status_code == 200 and not response.has_header("ETag")
