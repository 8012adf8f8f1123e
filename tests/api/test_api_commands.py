"""The commands of the API layer: create_token and triage."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from rxtriage.api.models import Account


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_token_creates_the_user_with_its_role_and_prints_only_the_token(formulary: Any) -> None:
    token = run("create_token", "nkechi", "--role", "pharmacist").strip()
    assert "\n" not in token and " " not in token and len(token) >= 32
    assert Account.objects.get(user__username="nkechi").role == "pharmacist"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/prescriptions/requests/").status_code == 200


def test_create_token_for_an_existing_user_adds_a_token_and_updates_the_role(formulary: Any) -> None:
    first = run("create_token", "obi", "--role", "patient").strip()
    second = run("create_token", "obi", "--role", "doctor", "--expires-days", "7").strip()
    assert first != second
    assert Account.objects.get(user__username="obi").role == "doctor"


@pytest.mark.parametrize(
    "args", [["bad name!", "--role", "patient"], ["x", "--role", "patient", "--expires-days", "0"]]
)
def test_create_token_refuses_bad_input(formulary: Any, args: list[str]) -> None:
    with pytest.raises(CommandError):
        run("create_token", *args)


def test_triage_prints_the_decision_as_json(formulary: Any, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"medications": [{"medicationName": "Tramadol"}], "symptoms": "back pain"}))
    decision = json.loads(run("triage", "--json", str(path)))
    assert decision["route"] == "doctor" and decision["requires_doctor"] is True
    assert decision["medications"][0]["drug"]["generic_name"] == "tramadol"


def test_triage_reads_stdin_and_prints_a_summary(formulary: Any, monkeypatch: Any) -> None:
    out = run(
        "triage", "-", stdin='{"medications": [{"medicationName": "Panadol"}]}', monkeypatch=monkeypatch
    )
    assert "route: pharmacist" in out and "paracetamol" in out


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{", "parse_error"),
        ('{"medications": []}', "validation_error"),
        ('{"medications": [{"medicationName": "a\\u0000"}]}', "validation_error"),
    ],
)
def test_triage_refuses_bad_input_with_the_error_code(
    formulary: Any, monkeypatch: Any, text: str, code: str
) -> None:
    with pytest.raises(CommandError, match=code):
        run("triage", "-", stdin=text, monkeypatch=monkeypatch)
