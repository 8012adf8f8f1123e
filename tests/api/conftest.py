"""Fixtures of the API tests: clients for every role and token state, and saved requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from rxtriage.api.services import account_ensure, token_create
from rxtriage.triage.services import prescription_request_create

BENIGN = {
    "medications": [
        {"medicationName": "Paracetamol", "strength": "500mg", "form": "tablet", "dosage": "1 bd"}
    ],
    "symptoms": "mild headache since yesterday",
    "duration": "1 day",
}


@pytest.fixture(autouse=True)
def _fresh_throttle_cache() -> None:
    """Each test starts with empty throttle counters (on Redis only the throttle's keys: never FLUSHDB)."""
    from rxtriage.api.throttles import UserRateThrottle

    UserRateThrottle._down_until = 0.0  # a failure injected by an earlier test is forgotten
    cache = caches["throttle"]
    if callable(getattr(cache, "delete_pattern", None)):
        cache.delete_pattern("*")  # type: ignore[attr-defined]
    else:
        cache.clear()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    def make(username: str, role: str = "patient") -> Any:
        return account_ensure(username=username, role=role)

    return make


@pytest.fixture
def make_client(make_user: Callable[..., Any]) -> Callable[..., APIClient]:
    """A client authenticated as ``username`` with ``role`` (the user is created if needed)."""

    def make(username: str, role: str = "patient") -> APIClient:
        client = bearer(token_create(user=make_user(username, role)))
        client.user = make_user(username, role)  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def patient(formulary: Any, make_client: Callable[..., APIClient]) -> APIClient:
    return make_client("ada", "patient")


@pytest.fixture
def other_patient(formulary: Any, make_client: Callable[..., APIClient]) -> APIClient:
    return make_client("bola", "patient")


@pytest.fixture
def pharmacist(formulary: Any, make_client: Callable[..., APIClient]) -> APIClient:
    return make_client("chidi", "pharmacist")


@pytest.fixture
def doctor(formulary: Any, make_client: Callable[..., APIClient]) -> APIClient:
    return make_client("dami", "doctor")


@pytest.fixture
def malformed(formulary: Any) -> APIClient:
    return bearer("not a token")


@pytest.fixture
def expired(formulary: Any, make_user: Callable[..., Any]) -> APIClient:
    user = make_user("eze", "patient")
    token = token_create(user=user, expires_days=1)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(minutes=1))
    return bearer(token)


@pytest.fixture
def revoked(formulary: Any, make_user: Callable[..., Any]) -> APIClient:
    user = make_user("femi", "patient")
    token = token_create(user=user)
    AuthToken.objects.filter(user=user).delete()
    return bearer(token)


@pytest.fixture
def clients(
    anonymous: APIClient,
    malformed: APIClient,
    expired: APIClient,
    revoked: APIClient,
    patient: APIClient,
    other_patient: APIClient,
    pharmacist: APIClient,
    doctor: APIClient,
) -> dict[str, APIClient]:
    return {
        "no token": anonymous,
        "malformed": malformed,
        "expired": expired,
        "revoked": revoked,
        "patient": patient,
        "another patient": other_patient,
        "pharmacist": pharmacist,
        "doctor": doctor,
    }


@pytest.fixture
def create_request() -> Callable[..., Any]:
    """Save a request for ``client``'s user through the service (no HTTP)."""

    def create(client: APIClient, payload: dict[str, Any] | None = None) -> Any:
        return prescription_request_create(user=client.user, payload=payload or BENIGN)  # type: ignore[attr-defined]

    return create
