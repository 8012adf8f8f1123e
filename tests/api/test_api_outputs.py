"""The hot path's plain output functions give exactly what the declared serializers give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from rxtriage.api import serializers as s
from rxtriage.api.outputs import decision_output, prescription_request_created_output
from rxtriage.triage.models import PrescriptionRequest
from rxtriage.triage.services import prescription_request_create

URL = "/api/prescriptions/requests/"

BODIES = [
    {"medications": [{"medicationName": "Panadol Extra"}], "symptoms": "mild headache"},
    {
        "medications": [
            {"medicationName": "amoxcilin 500mg", "strength": "500mg", "form": "capsule", "dosage": "1 tds"},
            {"medicationName": "tramadol 200mg"},
            {"medicationName": "banana"},
            {"medicationName": "MTX"},
        ],
        "symptoms": "chest pain and headache",
        "duration": "2 days",
    },
    {"medications": [{"medicationName": "Coartem"}, {"medicationName": "Augmentin 625"}], "symptoms": ""},
    {
        "medications": [{"medicationName": "hydralazine"}, {"medicationName": "zzqxv"}],
        "patient": {"ageYears": 30, "pregnant": True},
    },
]


def _same(a: Any, b: Any) -> None:
    """Equal, with the keys in the same order (the JSON a client reads byte for byte)."""
    assert json.dumps(a) == json.dumps(b)


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_the_created_answer_is_what_the_declared_serializer_gives(
    body: dict[str, Any], patient: APIClient
) -> None:
    response = patient.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    saved = PrescriptionRequest.objects.get(pk=response.json()["id"])
    # jsonb keeps its own key order inside stored dicts: compare values here, order below
    assert response.json() == json.loads(json.dumps(s.PrescriptionRequestCreatedSerializer(saved).data))


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_the_plain_function_gives_the_serializers_fields_in_their_order(
    body: dict[str, Any], patient: APIClient
) -> None:
    obj = prescription_request_create(user=patient.user, payload=body)  # type: ignore[attr-defined]
    _same(prescription_request_created_output(obj=obj), s.PrescriptionRequestCreatedSerializer(obj).data)


def test_missing_optional_keys_are_left_out_or_null_exactly_as_the_serializer_does() -> None:
    drug = {
        "id": 7,
        "generic_name": "x",
        "display_name": "X",
        "schedule": "otc",
        "controlled_basis": None,
        "high_alert": False,
        "drug_class": "",
        "atc_code": "",
        "components": [],
    }
    decision = {
        "route": "doctor",
        "urgent": False,
        "requires_doctor": True,
        "reasons": [{"code": "c", "message": "m"}, {"code": "d", "message": "n", "medication": "x"}],
        "red_flags": [],
        "medications": [
            {
                "input": "x",
                "normalized": "x",
                "match": "generic",
                "score": 1,
                "confirm": 0,
                "drug": drug,
                "candidates": [{"id": 7, "score": 1.0}],
            },
            {
                "input": "y",
                "normalized": "y",
                "match": "none",
                "score": 0.0,
                "confirm": False,
                "candidates": [],
                "note": None,
                "strength": "5mg",
                "form": None,
            },
        ],
    }
    _same(decision_output(decision), s.DecisionSerializer(decision).data)
