"""Every endpoint against every caller: no token, bad tokens, each role, and another patient."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from rxtriage.formulary.models import Drug

CALLERS = [
    "no token",
    "malformed",
    "expired",
    "revoked",
    "patient",
    "another patient",
    "pharmacist",
    "doctor",
]
UNAUTHENTICATED = {"no token": 401, "malformed": 401, "expired": 401, "revoked": 401}


def _everyone(status: int) -> dict[str, int]:
    return {**UNAUTHENTICATED, **dict.fromkeys(CALLERS[4:], status)}


# (name, method, path template, body, expected status per caller)
ENDPOINTS: list[tuple[str, str, str, Any, dict[str, int]]] = [
    (
        "create a request",
        "post",
        "/api/prescriptions/requests/",
        {"medications": [{"medicationName": "Paracetamol"}], "symptoms": "headache"},
        _everyone(201),
    ),
    ("list requests", "get", "/api/prescriptions/requests/", None, _everyone(200)),
    (
        "open the patient's request",
        "get",
        "/api/prescriptions/requests/{id}/",
        None,
        {**_everyone(200), "another patient": 404},
    ),
    (
        "review the patient's request",
        "post",
        "/api/prescriptions/requests/{id}/review/",
        {"decision": "approve", "note": "ok"},
        {**UNAUTHENTICATED, "patient": 403, "another patient": 403, "pharmacist": 200, "doctor": 200},
    ),
    ("resolve many names", "post", "/api/drugs/resolve/", {"names": ["Panadol", "banana"]}, _everyone(200)),
    ("resolve one name", "get", "/api/drugs/resolve/?name=Panadol", None, _everyone(200)),
    ("search drugs", "get", "/api/drugs/search/?q=para&limit=5", None, _everyone(200)),
    ("open a drug", "get", "/api/drugs/{drug}/", None, _everyone(200)),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("name", "method", "template", "body", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_every_endpoint_answers_each_caller_as_the_contract_says(
    clients: dict[str, APIClient],
    create_request: Any,
    caller: str,
    name: str,
    method: str,
    template: str,
    body: Any,
    expected: dict[str, int],
) -> None:
    saved = create_request(clients["patient"])
    drug = Drug.objects.get(generic_name="paracetamol")
    path = template.format(id=saved.pk, drug=drug.pk)
    response = (
        getattr(clients[caller], method)(path, body, format="json")
        if body
        else getattr(clients[caller], method)(path)
    )
    assert response.status_code == expected[caller], response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
