"""Reviewing requests: who may review what, what is recorded, and what is final."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from rxtriage.triage.models import PrescriptionRequest

URL = "/api/prescriptions/requests/{}/review/"
CONTROLLED = {"medications": [{"medicationName": "Tramadol"}], "symptoms": "back pain"}


def test_a_pharmacist_approves_a_pharmacist_route_request_and_who_when_what_are_recorded(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    response = pharmacist.post(
        URL.format(saved.pk), {"decision": "approve", "note": "dose ok"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "approved"
    assert data["review"]["decision"] == "approve" and data["review"]["note"] == "dose ok"
    saved.refresh_from_db()
    assert saved.reviewed_by == pharmacist.user  # type: ignore[attr-defined]
    assert saved.reviewed_at is not None and saved.review_decision == "approve"


def test_the_patient_sees_the_outcome_of_the_review(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    pharmacist.post(URL.format(saved.pk), {"decision": "decline", "note": "see a doctor"}, format="json")
    data = patient.get(f"/api/prescriptions/requests/{saved.pk}/").json()
    assert data["status"] == "declined" and data["review"]["note"] == "see a doctor"


def test_a_pharmacist_may_not_review_a_doctor_route_request(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient, CONTROLLED)
    response = pharmacist.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    saved.refresh_from_db()
    assert saved.status == "pending"


def test_a_doctor_reviews_any_route(patient: APIClient, doctor: APIClient, create_request: Any) -> None:
    for payload in (None, CONTROLLED):
        saved = create_request(patient, payload)
        response = doctor.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
        assert response.status_code == 200


def test_patients_may_not_review_even_their_own_request(patient: APIClient, create_request: Any) -> None:
    saved = create_request(patient)
    response = patient.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_pharmacist_escalation_hands_the_request_to_the_doctors_queue(
    patient: APIClient, pharmacist: APIClient, doctor: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    response = pharmacist.post(
        URL.format(saved.pk), {"decision": "escalate", "note": "unsure"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "escalated" and response.json()["route"] == "doctor"
    assert saved.pk in [r["id"] for r in doctor.get("/api/prescriptions/requests/").json()["results"]]
    assert (
        doctor.post(URL.format(saved.pk), {"decision": "approve"}, format="json").json()["status"]
        == "approved"
    )


def test_an_approved_or_declined_request_is_final(
    patient: APIClient, doctor: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    assert doctor.post(URL.format(saved.pk), {"decision": "decline"}, format="json").status_code == 200
    response = doctor.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_reviewed"
    assert PrescriptionRequest.objects.get(pk=saved.pk).status == "declined"


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"decision": "maybe"},
        {"decision": None},
        {"decision": 1},
        {"decision": ["approve"]},
        {"decision": "approve", "note": 5},
        {"decision": "approve", "note": "x" * 2001},
        {"decision": "approve", "note": "a\u0000b"},
        [],
        "approve",
    ],
)
def test_a_bad_review_body_is_a_validation_error(
    patient: APIClient, doctor: APIClient, create_request: Any, sent: Any
) -> None:
    saved = create_request(patient)
    response = doctor.post(URL.format(saved.pk), sent, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_reviewing_an_unknown_request_is_not_found(doctor: APIClient) -> None:
    response = doctor.post(URL.format(987654), {"decision": "approve"}, format="json")
    assert response.status_code == 404
