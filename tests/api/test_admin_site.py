"""The admin site: password rules, lockout of repeated failed logins, and what it shows for audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from rxtriage.triage.models import PrescriptionRequest

GOOD_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_superuser("auditor", "auditor@example.org", GOOD_PASSWORD)


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("password", ["a", "password123", "12345678901234", "auditor2026!!"])
def test_weak_passwords_are_refused(admin_user: User, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=admin_user)


def test_a_strong_password_is_accepted(admin_user: User) -> None:
    validate_password(GOOD_PASSWORD, user=admin_user)


def test_the_admin_refuses_to_set_a_one_letter_password(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "password1": "a", "password2": "a", "usable_password": "true"},
    )
    assert response.status_code == 200  # the form again, with its errors
    assert not User.objects.filter(username="newbie").exists()


def _login(client: Client, password: str) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "auditor", "password": password},
        REMOTE_ADDR="203.0.113.9",
    )


def test_repeated_failed_logins_lock_the_account_out_even_with_the_right_password(admin_user: User) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again
    assert _login(client, "wrong").status_code == 429  # the fifth failure locks out
    response = _login(client, GOOD_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_few_failures_then_the_right_password_logs_in(admin_user: User) -> None:
    client = Client()
    for _ in range(3):
        _login(client, "wrong")
    assert _login(client, GOOD_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_prescription_requests_are_listed_and_viewable_but_read_only(
    admin_client: Client, create_request: Any, patient: Any
) -> None:
    saved = create_request(patient)
    listing = admin_client.get("/admin/triage/prescriptionrequest/")
    assert listing.status_code == 200 and saved in listing.context["cl"].result_list
    page = admin_client.get(f"/admin/triage/prescriptionrequest/{saved.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/triage/prescriptionrequest/{saved.pk}/change/", {}).status_code == 403
    assert admin_client.get("/admin/triage/prescriptionrequest/add/").status_code == 403
    assert admin_client.post(f"/admin/triage/prescriptionrequest/{saved.pk}/delete/", {}).status_code == 403
    assert PrescriptionRequest.objects.filter(pk=saved.pk).exists()


def test_a_requests_history_shows_who_reviewed_it(
    admin_client: Client, create_request: Any, patient: Any, pharmacist: Any
) -> None:
    saved = create_request(patient)
    pharmacist.post(f"/api/prescriptions/requests/{saved.pk}/review/", {"decision": "approve"}, format="json")
    page = admin_client.get(f"/admin/triage/prescriptionrequest/{saved.pk}/history/")
    assert page.status_code == 200 and b"chidi" in page.content


def test_accounts_are_listed_with_their_roles(admin_client: Client, pharmacist: Any, doctor: Any) -> None:
    accounts = admin_client.get("/admin/api/account/")
    assert accounts.status_code == 200
    assert {(a.user.username, a.role) for a in accounts.context["cl"].result_list} >= {
        ("chidi", "pharmacist"),
        ("dami", "doctor"),
    }
    users = admin_client.get("/admin/auth/user/")
    assert users.status_code == 200 and b"pharmacist" in users.content
