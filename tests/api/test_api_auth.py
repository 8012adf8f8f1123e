"""Authentication: Bearer tokens (knox), their states, and the error codes they produce."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from rxtriage.api.services import token_create, tokens_revoke

LIST = "/api/prescriptions/requests/"


def test_a_request_without_a_token_is_not_authenticated(anonymous: APIClient, formulary: Any) -> None:
    response = anonymous.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer not-a-real-token-but-long-enough",
        "Bearer two parts",
        "Bearer " + "a" * 5000,
        "Bearer abc\x00defghijklmnopqrstu",
        "Bearer ñandúñandúñandúñandú",
    ],
    ids=["no credentials", "unknown", "spaces", "huge", "nul", "latin-1"],
)
def test_a_malformed_or_unknown_token_fails_authentication(formulary: Any, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_another_scheme_is_treated_as_no_token(formulary: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_expired_token_fails_authentication(expired: APIClient) -> None:
    response = expired.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_an_expired_token_is_deleted_when_presented(expired: APIClient) -> None:
    from knox.models import AuthToken

    before = AuthToken.objects.count()
    expired.get(LIST)
    assert AuthToken.objects.count() == before - 1


def test_authenticating_a_request_costs_one_query(patient: APIClient, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert patient.get("/api/ping/").status_code == 200


def test_a_revoked_token_fails_authentication(revoked: APIClient) -> None:
    response = revoked.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_user_may_hold_several_tokens_and_revoking_ends_them_all(formulary: Any, make_user: Any) -> None:
    user = make_user("gozie", "patient")
    first, second = token_create(user=user), token_create(user=user)
    for token in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get(LIST).status_code == 200
    assert tokens_revoke(user=user) == 2
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert client.get(LIST).status_code == 401


def test_tokens_are_stored_hashed(formulary: Any, make_user: Any) -> None:
    user = make_user("hauwa", "patient")
    token = token_create(user=user)
    stored = AuthToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token


def test_the_bearer_prefix_is_case_insensitive(formulary: Any, make_user: Any) -> None:
    token = token_create(user=make_user("ify", "patient"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {token}")
    assert client.get(LIST).status_code == 200
