"""Fixtures of the console tests: clinicians with passwords, browsers' clients, saved requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rxtriage.api.services import account_ensure
from rxtriage.triage.services import prescription_request_create
from tests.console.payloads import PASSWORD


@pytest.fixture
def make_person(formulary: Any) -> Callable[..., Any]:
    """A user with ``role`` and, for clinicians, a console password."""

    def make(username: str, role: str) -> Any:
        user = account_ensure(username=username, role=role)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    return make


@pytest.fixture
def signed_in(make_person: Callable[..., Any]) -> Callable[..., Client]:
    """A browser-like client signed in through the console's own sign-in form."""

    def sign_in(username: str, role: str) -> Client:
        make_person(username, role)
        client = Client()
        response = client.post("/console/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return sign_in


@pytest.fixture
def saved(make_person: Callable[..., Any]) -> Callable[..., Any]:
    """A request saved through the triage service, sent by ``username`` (a patient by default)."""

    def save(payload: dict[str, Any], username: str = "ada", role: str = "patient") -> Any:
        return prescription_request_create(user=make_person(username, role), payload=payload)

    return save


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the console screenshots the browser tests saved."""
    from tests.console.shots import SCREENSHOTS

    if SCREENSHOTS:
        terminalreporter.write_sep("-", "console screenshots")
        for path in SCREENSHOTS:
            terminalreporter.write_line(str(path))
