"""The OpenAPI document: valid, complete and honest about authentication and errors."""

from __future__ import annotations

import re
from typing import Any

import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


def test_the_schema_needs_a_token_like_every_endpoint_but_health(anonymous: APIClient, db: Any) -> None:
    response = anonymous.get("/api/schema/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_docs_page_is_public_and_fetches_the_schema_with_the_token_its_user_enters(
    anonymous: APIClient, db: Any
) -> None:
    response = anonymous.get("/api/docs/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'const schemaAuthNames = \[\s*"bearerAuth"\s*\]', page)
    assert "persistAuthorization: true" in page
    assert "securitySchemes: {bearerAuth:" in page  # the Authorize button while the schema is refused


def test_the_docs_page_references_only_assets_served_from_the_package(anonymous: APIClient, db: Any) -> None:
    from django.test import Client

    page = anonymous.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 3
    assert all(a.startswith("/static/drf_spectacular_sidecar/") for a in assets), assets
    assert "http://" not in page and "https://" not in page
    for asset in assets:
        response = Client().get(asset)
        assert response.status_code == 200, asset


def test_a_setting_opens_the_schema_to_anonymous_readers(
    anonymous: APIClient, db: Any, settings: Any
) -> None:
    settings.RXTRIAGE_PUBLIC_SCHEMA = True
    assert anonymous.get("/api/schema/").status_code == 200


def test_the_schema_endpoint_returns_a_valid_openapi_document(patient: APIClient) -> None:
    response = patient.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_documents_every_endpoint_bearer_auth_and_the_error_envelope(patient: APIClient) -> None:
    schema = patient.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["paths"]) == {
        "/api/prescriptions/requests/",
        "/api/prescriptions/requests/{id}/",
        "/api/prescriptions/requests/{id}/review/",
        "/api/drugs/resolve/",
        "/api/drugs/search/",
        "/api/drugs/{id}/",
    }
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    create = schema["paths"]["/api/prescriptions/requests/"]["post"]
    assert {"201", "400", "401", "413", "429", "503"} <= set(create["responses"])
    assert "medications" in schema["components"]["schemas"]["PrescriptionRequestInputRequest"]["properties"]


def test_the_docs_page_is_served(patient: APIClient) -> None:
    response = patient.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_admin_and_docs_static_files_are_served(anonymous: APIClient, db: Any) -> None:
    from django.test import Client

    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"body" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
