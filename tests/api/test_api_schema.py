"""The OpenAPI document: valid, complete and honest about authentication and errors."""

from __future__ import annotations

from typing import Any

import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


def test_the_schema_endpoint_returns_a_valid_openapi_document(anonymous: APIClient, db: Any) -> None:
    response = anonymous.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_documents_every_endpoint_bearer_auth_and_the_error_envelope(
    anonymous: APIClient, db: Any
) -> None:
    schema = anonymous.get("/api/schema/", {"format": "json"}).json()
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


def test_the_docs_page_is_served(anonymous: APIClient, db: Any) -> None:
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
