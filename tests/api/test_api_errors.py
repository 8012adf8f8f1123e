"""The error envelope and its codes: every API failure answers JSON with a stable code."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from rxtriage.api.errors import csrf_failure
from rxtriage.api.middleware import ApiGuardMiddleware
from rxtriage.api.throttles import UserRateThrottle

LIST = "/api/prescriptions/requests/"


def code(response: Any) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    "path", ["/api/", "/api/nothing/here/", "/api/prescriptions/", "/api/drugs/1/extra/"]
)
def test_an_unknown_api_path_is_a_json_not_found(patient: APIClient, path: str) -> None:
    response = patient.get(path)
    assert response.status_code == 404
    assert code(response) == "not_found"


def test_a_missing_trailing_slash_is_a_not_found_with_a_hint(patient: APIClient) -> None:
    response = patient.post("/api/prescriptions/requests", {"medications": []}, format="json")
    assert response.status_code == 404
    assert "trailing slash" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("delete", LIST), ("put", "/api/drugs/search/"), ("patch", "/api/drugs/resolve/")]
)
def test_a_method_the_path_does_not_take_is_method_not_allowed(
    patient: APIClient, method: str, path: str
) -> None:
    response = getattr(patient, method)(path)
    assert response.status_code == 405
    assert code(response) == "method_not_allowed"


def test_an_accept_header_without_json_is_not_acceptable(patient: APIClient) -> None:
    response = patient.get(LIST, HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert code(response) == "not_acceptable"


def test_a_database_that_does_not_answer_is_a_503(patient: APIClient) -> None:
    with mock.patch("rxtriage.api.views.prescription_request_list", side_effect=OperationalError("down")):
        response = patient.get(LIST)
    assert response.status_code == 503
    assert code(response) == "database_unavailable"
    assert response["Retry-After"]


def test_a_database_failing_during_authentication_is_a_503(patient: APIClient) -> None:
    with mock.patch(
        "knox.auth.TokenAuthentication.authenticate_credentials",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = patient.get(LIST)
    assert response.status_code == 503
    assert code(response) == "database_unavailable"


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_middleware_turns_database_errors_outside_views_into_a_503(error: type[Exception]) -> None:
    def failing(request: Any) -> HttpResponse:
        raise error("no connection")

    guard = ApiGuardMiddleware(failing)
    response = guard(RequestFactory().get(LIST))
    assert response.status_code == 503
    assert b"database_unavailable" in response.content
    view_error = guard.process_exception(RequestFactory().get(LIST), error("x"))
    assert view_error is not None and view_error.status_code == 503


def test_the_middleware_leaves_other_paths_alone() -> None:
    guard = ApiGuardMiddleware(lambda request: HttpResponse("ok"))
    assert guard.process_exception(RequestFactory().get("/admin/"), OperationalError()) is None
    big = RequestFactory().post("/healthz", data="x" * 70_000, content_type="text/plain")
    assert guard(big).status_code == 200


def test_a_bug_is_a_json_internal_error_not_an_html_page(patient: APIClient) -> None:
    with mock.patch("rxtriage.api.views.drug_search", side_effect=KeyError("bug")):
        response = patient.get("/api/drugs/search/", {"q": "para"})
    assert response.status_code == 500
    assert code(response) == "internal_error"
    assert "bug" not in response.json()["error"]["message"]


def test_too_many_requests_are_throttled_with_retry_after(patient: APIClient, monkeypatch: Any) -> None:
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min")
    assert [patient.get(LIST).status_code for _ in range(2)] == [200, 200]
    response = patient.get(LIST)
    assert response.status_code == 429
    assert code(response) == "throttled"
    assert int(response["Retry-After"]) > 0


def test_throttling_counts_each_user_separately(
    patient: APIClient, other_patient: APIClient, monkeypatch: Any
) -> None:
    monkeypatch.setattr(UserRateThrottle, "rate", "1/min")
    assert patient.get(LIST).status_code == 200
    assert patient.get(LIST).status_code == 429
    assert other_patient.get(LIST).status_code == 200


def test_a_failing_throttle_cache_fails_open(patient: APIClient, monkeypatch: Any) -> None:
    broken = mock.Mock()
    broken.get.side_effect = ConnectionError("cache down")
    monkeypatch.setattr(UserRateThrottle, "cache", broken)
    assert patient.get(LIST).status_code == 200


def test_throttle_keys_hold_no_user_id(patient: APIClient) -> None:
    from django.core.cache import caches

    patient.get(LIST)
    keys = list(caches["throttle"]._cache.keys())  # type: ignore[attr-defined]
    assert keys
    assert all(f"_{patient.user.pk}" not in key for key in keys)  # type: ignore[attr-defined]


def test_health_needs_no_token_and_non_api_paths_are_untouched(anonymous: APIClient, db: Any) -> None:
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/not-an-api-path/").status_code == 404


def test_an_unknown_query_parameter_is_ignored(patient: APIClient) -> None:
    response = patient.get(LIST, {"_": "1700000000", "route": "doctor"})
    assert response.status_code == 200


def test_a_path_with_control_characters_is_still_a_json_not_found(patient: APIClient) -> None:
    response = patient.post(
        "/api/prescriptions/requests/D%0A%7F/review/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404
    assert code(response) == "not_found"


# --- HTTP semantics: 405 before who-asks, no Allow on 404s, JSON for CSRF and Host failures -------------
@pytest.mark.parametrize(
    ("caller", "method", "path", "allow"),
    [
        ("patient", "get", "/api/prescriptions/requests/1/review/", {"POST", "OPTIONS"}),
        ("anonymous", "get", "/api/prescriptions/requests/1/review/", {"POST", "OPTIONS"}),
        ("anonymous", "delete", LIST, {"GET", "HEAD", "POST", "OPTIONS"}),
        ("patient", "put", "/api/drugs/search/", {"GET", "HEAD", "OPTIONS"}),
        ("patient", "post", "/api/prescriptions/requests/1/", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_wrong_method_is_405_with_the_paths_allow_whoever_asks(
    patient: APIClient, anonymous: APIClient, caller: str, method: str, path: str, allow: set[str]
) -> None:
    client = patient if caller == "patient" else anonymous
    response = getattr(client, method)(path)
    assert response.status_code == 405, response.content
    assert code(response) == "method_not_allowed"
    assert {m.strip() for m in response["Allow"].split(",")} == allow


def test_an_unknown_method_is_405_too(patient: APIClient) -> None:
    response = patient.generic("BREW", LIST)
    assert response.status_code == 405 and code(response) == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/nothing/here/", "/api/prescriptions/requests"])
def test_an_api_404_carries_no_allow_header(patient: APIClient, path: str) -> None:
    response = patient.post(path, {}, format="json")
    assert response.status_code == 404
    assert "Allow" not in response


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_a_csrf_failure_on_health_paths_is_the_json_envelope(db: Any, path: str) -> None:
    response = Client(enforce_csrf_checks=True).post(path, {"a": "b"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert code(response) == "csrf_failed"


def test_the_csrf_failure_view_answers_json_on_api_paths() -> None:
    response = csrf_failure(RequestFactory().post("/api/prescriptions/requests/"), reason="no token")
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "csrf_failed"


def test_a_csrf_failure_elsewhere_keeps_djangos_page(db: Any) -> None:
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/healthz", "/readyz", LIST, "/api/nothing/"])
def test_a_bad_host_on_api_and_health_paths_is_the_json_envelope(db: Any, settings: Any, path: str) -> None:
    settings.ALLOWED_HOSTS = ["rx.example.org"]
    response = Client().get(path, HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert code(response) == "bad_host"
