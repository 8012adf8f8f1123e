"""TriageInput.parse: the triage service's own check of a request as sent (what `rxtriage triage` uses)."""

from __future__ import annotations

from typing import Any

import pytest

from rxtriage.triage import limits
from rxtriage.triage.types import MedicationInput, PatientInfo, TriageInput, TriageInputError


def test_a_well_formed_request_is_read_with_its_patient_facts() -> None:
    request = TriageInput.parse(
        {
            "medications": [{"medicationName": "Panadol", "strength": "500mg", "form": ""}],
            "symptoms": "headache",
            "patient": {"ageYears": 34, "pregnant": False},
        }
    )
    assert request.medications == (MedicationInput(name="Panadol", strength="500mg"),)
    assert request.symptoms == "headache" and request.duration == ""
    assert request.patient == PatientInfo(age_years=34.0, pregnant=False)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "request"),
        ({}, "medications"),
        ({"medications": []}, "medications"),
        ({"medications": [{"medicationName": "x"}] * (limits.MAX_MEDICATIONS + 1)}, "medications"),
        ({"medications": ["Panadol"]}, "medications.0"),
        ({"medications": [{"medicationName": "  "}]}, "medications.0.medicationName"),
        ({"medications": [{"medicationName": 12}]}, "medications.0.medicationName"),
        ({"medications": [{"medicationName": "a\x00"}]}, "medications.0.medicationName"),
        ({"medications": [{"medicationName": "a\ud800"}]}, "medications.0.medicationName"),
        ({"medications": [{"medicationName": "a" * 201}]}, "medications.0.medicationName"),
        ({"medications": [{"medicationName": "a", "dosage": 2}]}, "medications.0.dosage"),
        ({"medications": [{"medicationName": "a"}], "symptoms": "s" * 2001}, "symptoms"),
        ({"medications": [{"medicationName": "a"}], "patient": {"ageYears": "34"}}, "patient.ageYears"),
        ({"medications": [{"medicationName": "a"}], "patient": {"weightKg": 0}}, "patient.weightKg"),
        ({"medications": [{"medicationName": "a"}], "patient": {"pregnant": "yes"}}, "patient.pregnant"),
    ],
)
def test_a_request_the_api_would_refuse_is_refused_with_the_field_named(data: Any, field: str) -> None:
    with pytest.raises(TriageInputError) as caught:
        TriageInput.parse(data)
    assert caught.value.code == "validation_error"
    assert caught.value.field == field


def test_the_api_enforces_the_triage_services_request_limits() -> None:
    from rxtriage.api import limits as api_limits

    assert api_limits.MAX_MEDICATIONS is limits.MAX_MEDICATIONS
    assert api_limits.MAX_BODY_BYTES == limits.MAX_REQUEST_BYTES
