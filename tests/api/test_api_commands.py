"""The commands of the API layer: create_token and triage."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from knox.models import AuthToken
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


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_create_token_for_an_existing_user_with_the_same_role_adds_a_token(formulary: Any) -> None:
    first = run("create_token", "obi", "--role", "patient").strip()
    second = run("create_token", "obi", "--role", "patient", "--expires-days", "7").strip()
    assert first != second
    assert AuthToken.objects.filter(user__username="obi").count() == 2


def test_create_token_refuses_a_silent_role_change_and_the_first_token_keeps_the_old_role(
    formulary: Any,
) -> None:
    first = run("create_token", "mallory", "--role", "patient").strip()
    with pytest.raises(CommandError, match="--change-role"):
        run("create_token", "mallory", "--role", "doctor")
    assert Account.objects.get(user__username="mallory").role == "patient"
    assert AuthToken.objects.filter(user__username="mallory").count() == 1
    queue = bearer(first).get("/api/prescriptions/requests/?route=doctor")
    assert queue.status_code == 200 and queue.json()["count"] == 0


def test_create_token_changes_a_role_only_with_change_role_and_says_so(formulary: Any) -> None:
    run("create_token", "obi", "--role", "pharmacist")
    err = io.StringIO()
    call_command("create_token", "obi", "--role", "doctor", "--change-role", stdout=io.StringIO(), stderr=err)
    assert Account.objects.get(user__username="obi").role == "doctor"
    assert "changed from pharmacist to doctor" in err.getvalue()


def test_tokens_expire_after_the_configured_lifetime_by_default(formulary: Any, settings: Any) -> None:
    run("create_token", "ife", "--role", "patient")
    expiry = AuthToken.objects.get(user__username="ife").expiry
    assert expiry is not None
    assert abs((expiry - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)


def test_a_token_that_never_expires_needs_no_expiry(formulary: Any) -> None:
    run("create_token", "ife", "--role", "patient", "--no-expiry")
    assert AuthToken.objects.get(user__username="ife").expiry is None
    with pytest.raises(CommandError):
        run("create_token", "ife", "--role", "patient", "--no-expiry", "--expires-days", "3")


def test_tokens_list_shows_prefixes_and_expiry_never_the_token(formulary: Any) -> None:
    token = run("create_token", "uche", "--role", "patient").strip()
    run("create_token", "uche", "--role", "patient", "--no-expiry")
    out = run("tokens", "list", "uche")
    assert token[:15] in out and token not in out
    assert "never" in out and len(out.strip().splitlines()) == 3


def test_tokens_revoke_by_prefix_revokes_that_token_only(formulary: Any) -> None:
    first = run("create_token", "uche", "--role", "patient").strip()
    second = run("create_token", "uche", "--role", "patient").strip()
    run("tokens", "revoke", first[:10])
    assert bearer(first).get("/api/prescriptions/requests/").status_code == 401
    assert bearer(second).get("/api/prescriptions/requests/").status_code == 200


def test_tokens_revoke_all_of_a_user(formulary: Any) -> None:
    tokens = [run("create_token", "uche", "--role", "patient").strip() for _ in range(3)]
    other = run("create_token", "ngozi", "--role", "patient").strip()
    assert "revoked 3" in run("tokens", "revoke", "--user", "uche", "--all")
    assert all(bearer(t).get("/api/prescriptions/requests/").status_code == 401 for t in tokens)
    assert bearer(other).get("/api/prescriptions/requests/").status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["revoke"],
        ["revoke", "short"],
        ["revoke", "nosuchtokenprefix"],
        ["revoke", "--user", "uche"],
        ["revoke", "--user", "nobody", "--all"],
        ["list", "nobody"],
    ],
)
def test_tokens_refuses_unclear_or_unknown_targets(formulary: Any, args: list[str]) -> None:
    run("create_token", "uche", "--role", "patient")
    with pytest.raises(CommandError):
        run("tokens", *args)
    assert AuthToken.objects.filter(user__username="uche").count() == 1


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
