"""The seed system's public names (rxtriage.compat), each once: same answers as the project's own API."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from rxtriage.compat import batch_find_drugs, categorize_prescription_request, find_drug_in_database
from rxtriage.lookup.api import lookup_many, lookup_one
from rxtriage.triage.services import prescription_request_create

PAYLOAD = {"medications": [{"medicationName": "Panadol"}, {"medicationName": "Flagyl"}], "symptoms": "cough"}


def test_find_drug_in_database_answers_as_lookup_one(formulary: Any) -> None:
    found = find_drug_in_database("Panadol 500mg")
    assert found == lookup_one(name="Panadol 500mg")
    assert found.generic_name == "paracetamol"


def test_batch_find_drugs_answers_as_lookup_many_in_input_order(formulary: Any) -> None:
    names = ["Flagyl", "banana", "Panadol"]
    found = batch_find_drugs(names)
    assert found == lookup_many(names=names)
    assert [r.generic_name for r in found] == ["metronidazole", None, "paracetamol"]


@pytest.mark.parametrize(
    "request_like",
    [
        PAYLOAD,
        SimpleNamespace(medications=["Panadol", "Flagyl"], symptoms="cough"),
        SimpleNamespace(
            medications=[{"medicationName": "Panadol"}, {"medicationName": "Flagyl"}], symptoms="cough"
        ),
        SimpleNamespace(
            medications=[SimpleNamespace(medication_name="Panadol"), SimpleNamespace(name="Flagyl")],
            symptoms="cough",
        ),
    ],
    ids=["payload", "names", "dicts", "objects"],
)
def test_categorize_prescription_request_accepts_payloads_and_request_like_objects(
    formulary: Any, request_like: Any
) -> None:
    decision = categorize_prescription_request(request_like)
    assert decision["route"] == "doctor"
    assert [m["drug"]["generic_name"] for m in decision["medications"]] == ["paracetamol", "metronidazole"]
    assert {"route", "urgent", "requires_doctor", "reasons", "red_flags", "medications"} <= set(decision)


def test_categorize_prescription_request_accepts_a_saved_request(formulary: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="seed-caller")
    saved = prescription_request_create(user=user, payload=PAYLOAD)
    assert categorize_prescription_request(saved) == saved.decision
