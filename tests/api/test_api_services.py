"""The triage services and selectors behind the API, called directly."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from rest_framework.test import APIClient

from rxtriage.lookup.api import lookup_many
from rxtriage.triage.models import PrescriptionRequest
from rxtriage.triage.selectors import prescription_request_get, prescription_request_list, user_role
from rxtriage.triage.services import (
    ReviewFinal,
    ReviewForbidden,
    prescription_request_review,
    triage_request,
)

PAYLOAD = {"medications": [{"medicationName": "Panadol"}, {"medicationName": "Flagyl"}], "symptoms": "cough"}


def test_triage_request_resolves_every_medication_in_one_lookup_and_saves_nothing(formulary: Any) -> None:
    with mock.patch("rxtriage.triage.services.lookup_many", wraps=lookup_many) as spy:
        decision = triage_request(payload=PAYLOAD)
    assert spy.call_count == 1
    assert decision.route == "doctor"
    assert [m["drug"]["generic_name"] for m in decision.as_dict()["medications"]] == [
        "paracetamol",
        "metronidazole",
    ]
    assert PrescriptionRequest.objects.count() == 0


def test_a_user_without_an_account_is_a_patient(db: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="no-account")
    assert user_role(user=user) == "patient"
    assert list(prescription_request_list(user=user)) == []


def test_selectors_scope_by_role(
    patient: APIClient, other_patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    assert prescription_request_get(user=other_patient.user, id=saved.pk) is None  # type: ignore[attr-defined]
    assert prescription_request_get(user=pharmacist.user, id=saved.pk) == saved  # type: ignore[attr-defined]
    assert list(prescription_request_list(user=patient.user, route="doctor")) == []  # type: ignore[attr-defined]


def test_the_review_service_enforces_roles_and_finality(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    with pytest.raises(ReviewForbidden):
        prescription_request_review(request_obj=saved, reviewer=patient.user, decision="approve")  # type: ignore[attr-defined]
    reviewed = prescription_request_review(
        request_obj=saved,
        reviewer=pharmacist.user,  # type: ignore[attr-defined]
        decision="decline",
        note="no",
    )
    assert (reviewed.status, reviewed.review_note) == ("declined", "no")
    with pytest.raises(ReviewFinal):
        prescription_request_review(request_obj=saved, reviewer=pharmacist.user, decision="approve")  # type: ignore[attr-defined]


def test_a_patient_request_lists_in_few_queries(
    patient: APIClient, create_request: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(10):
        create_request(patient)
    with django_assert_max_num_queries(8):
        response = patient.get("/api/prescriptions/requests/")
    assert response.json()["count"] == 10
