"""Reviewing requests: who may review what, what is recorded, and what is final."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from rxtriage.triage.models import PrescriptionRequest
from rxtriage.triage.services import (
    SelfReviewForbidden,
    prescription_request_create,
    prescription_request_review,
)

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


def test_a_misspelt_review_field_is_refused_and_nothing_is_recorded(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    """A note to the patient under a wrong key must not vanish while the decision goes through."""
    saved = create_request(patient)
    response = pharmacist.post(
        URL.format(saved.pk), {"decision": "decline", "notes": "see a doctor today"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "notes" in error["fields"], error
    saved.refresh_from_db()
    assert saved.status == "pending" and saved.reviewed_by is None and saved.review_note == ""


def test_reviewing_an_unknown_request_is_not_found(doctor: APIClient) -> None:
    response = doctor.post(URL.format(987654), {"decision": "approve"}, format="json")
    assert response.status_code == 404


# --- Self-review ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["doctor", "pharmacist"])
def test_nobody_reviews_a_request_they_sent_themselves(make_client: Any, formulary: Any, role: str) -> None:
    clinician = make_client("gbenga", role)
    sent = clinician.post(
        "/api/prescriptions/requests/",
        {"medications": [{"medicationName": "Tramal 100mg" if role == "doctor" else "Panadol"}]},
        format="json",
    )
    assert sent.status_code == 201
    response = clinician.post(URL.format(sent.json()["id"]), {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "self_review_forbidden"
    saved = PrescriptionRequest.objects.get(pk=sent.json()["id"])
    assert saved.status == "pending" and saved.reviewed_by is None


def test_the_review_service_itself_refuses_self_review_for_every_caller(
    make_user: Any, formulary: Any
) -> None:
    doctor = make_user("gbenga", "doctor")
    saved = prescription_request_create(user=doctor, payload=CONTROLLED)
    with pytest.raises(SelfReviewForbidden):
        prescription_request_review(request_obj=saved, reviewer=doctor, decision="approve")
    saved.refresh_from_db()
    assert saved.status == "pending"


def test_another_doctor_reviews_a_doctors_own_request(make_client: Any, formulary: Any) -> None:
    author, colleague = make_client("gbenga", "doctor"), make_client("halima", "doctor")
    sent = author.post("/api/prescriptions/requests/", CONTROLLED, format="json").json()
    response = colleague.post(URL.format(sent["id"]), {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["reviewed_by"] == "halima"


# --- Notes, reviewer, escalation --------------------------------------------------------------------------
def test_the_clinician_note_is_kept_apart_and_never_shown_to_the_patient(
    patient: APIClient, pharmacist: APIClient, doctor: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    review = {"decision": "decline", "note": "please see a doctor", "clinician_note": "possible misuse"}
    response = pharmacist.post(URL.format(saved.pk), review, format="json")
    assert response.status_code == 200
    assert response.json()["review"]["clinician_note"] == "possible misuse"
    for_patient = patient.get(f"/api/prescriptions/requests/{saved.pk}/")
    assert for_patient.json()["review"]["note"] == "please see a doctor"
    assert "clinician_note" not in for_patient.json()["review"]
    assert "possible misuse" not in for_patient.content.decode()
    for_doctor = doctor.get(f"/api/prescriptions/requests/{saved.pk}/").json()
    assert for_doctor["review"]["clinician_note"] == "possible misuse"


def test_who_reviewed_and_when_are_in_the_list_and_the_detail(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    pharmacist.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
    item = patient.get("/api/prescriptions/requests/").json()["results"][0]
    assert item["reviewed_by"] == "chidi" and item["reviewed_at"] is not None
    detail = patient.get(f"/api/prescriptions/requests/{saved.pk}/").json()
    assert detail["reviewed_by"] == "chidi" and detail["review"]["reviewed_by"] == "chidi"


def test_an_unreviewed_request_has_no_reviewer(patient: APIClient, create_request: Any) -> None:
    create_request(patient)
    item = patient.get("/api/prescriptions/requests/").json()["results"][0]
    assert item["reviewed_by"] is None and item["reviewed_at"] is None


def test_a_pharmacist_escalation_leaves_the_pharmacist_queue_and_joins_the_open_doctor_queue(
    patient: APIClient, pharmacist: APIClient, doctor: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    pharmacist.post(URL.format(saved.pk), {"decision": "escalate"}, format="json")
    pharmacist_queue = pharmacist.get("/api/prescriptions/requests/?status=open").json()["results"]
    doctor_queue = doctor.get("/api/prescriptions/requests/?status=open").json()["results"]
    assert saved.pk not in [r["id"] for r in pharmacist_queue]
    assert saved.pk in [r["id"] for r in doctor_queue]
    again = pharmacist.post(URL.format(saved.pk), {"decision": "approve"}, format="json")
    assert again.status_code == 403


# --- Audit trail ------------------------------------------------------------------------------------------
def test_the_history_records_who_reviewed_what_and_when_without_the_patients_text(
    patient: APIClient, pharmacist: APIClient, create_request: Any
) -> None:
    saved = create_request(patient)
    pharmacist.post(URL.format(saved.pk), {"decision": "escalate", "note": "unsure"}, format="json")
    history = list(saved.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert [h.status for h in history] == ["pending", "escalated"]
    assert history[1].history_user == pharmacist.user  # type: ignore[attr-defined]
    assert history[1].route == "doctor" and history[1].review_note == "unsure"
    assert not hasattr(history[1], "symptoms") and not hasattr(history[1], "raw")
