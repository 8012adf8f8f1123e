"""Drug endpoints: resolve, autocomplete search and the full record."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from rxtriage.formulary.models import Drug


def test_resolving_many_names_answers_one_result_per_name_in_order(patient: APIClient) -> None:
    response = patient.post("/api/drugs/resolve/", {"names": ["Panadol", "banana", "Amoxil"]}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["input"] for r in results] == ["Panadol", "banana", "Amoxil"]
    assert results[0]["drug"]["generic_name"] == "paracetamol" and results[0]["match"] == "brand"
    assert results[1]["drug"] is None and results[1]["match"] == "none"
    assert results[1]["reason"] == "not_a_medicine" and results[0]["reason"] is None


def test_a_known_medicine_not_stocked_answers_none_with_the_reason_not_in_formulary(
    patient: APIClient,
) -> None:
    (data,) = patient.get("/api/drugs/resolve/", {"name": "vortioxetine 10mg"}).json()["results"]
    assert (data["match"], data["drug"], data["reason"]) == ("none", None, "not_in_formulary")


def test_resolving_one_name_by_query_answers_in_the_post_shape(patient: APIClient) -> None:
    (data,) = patient.get("/api/drugs/resolve/", {"name": "paracetamol"}).json()["results"]
    assert data["drug"]["generic_name"] == "paracetamol" and data["match"] == "generic"
    assert set(data["drug"]) >= {
        "id",
        "generic_name",
        "display_name",
        "schedule",
        "controlled_basis",
        "high_alert",
        "drug_class",
        "atc_code",
        "components",
    }


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"names": []},
        {"names": "Panadol"},
        {"names": [None]},
        {"names": [5]},
        {"names": ["x" * 201]},
        {"names": ["a\u0000"]},
        {"names": ["Panadol"] * 51},
    ],
)
def test_a_bad_resolve_body_is_a_validation_error(patient: APIClient, sent: Any) -> None:
    response = patient.post("/api/drugs/resolve/", sent, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("query", [{}, {"name": ""}, {"name": "x" * 201}, {"name": "a\u0000b"}])
def test_a_bad_resolve_query_is_a_validation_error(patient: APIClient, query: dict[str, str]) -> None:
    response = patient.get("/api/drugs/resolve/", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_search_ranks_prefix_matches_first(patient: APIClient) -> None:
    results = patient.get("/api/drugs/search/", {"q": "paracet", "limit": 5}).json()["results"]
    assert results and results[0]["generic_name"] == "paracetamol"
    assert len(results) <= 5
    assert len({r["id"] for r in results}) == len(results)


def test_search_finds_brands_by_prefix(patient: APIClient) -> None:
    results = patient.get("/api/drugs/search/", {"q": "Pana"}).json()["results"]
    assert "paracetamol" in [r["generic_name"] for r in results]


def test_search_for_nothing_medicinal_answers_an_empty_list(patient: APIClient) -> None:
    assert patient.get("/api/drugs/search/", {"q": "!!!"}).json() == {"results": []}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "para", "limit": 0},
        {"q": "para", "limit": 51},
        {"q": "para", "limit": "x"},
        {"q": "x" * 201},
        {"q": "\u0000"},
    ],
)
def test_bad_search_parameters_are_a_validation_error(patient: APIClient, query: dict[str, Any]) -> None:
    response = patient.get("/api/drugs/search/", query)
    assert response.status_code == 400


def test_a_drug_record_is_complete(patient: APIClient) -> None:
    drug = Drug.objects.get(generic_name="paracetamol")
    data = patient.get(f"/api/drugs/{drug.pk}/").json()
    assert data["generic_name"] == "paracetamol"
    assert "Panadol" in data["brand_names"]
    assert {"search_keywords", "components", "source", "review", "schedule"} <= set(data)


def test_an_unknown_drug_is_not_found(patient: APIClient) -> None:
    response = patient.get("/api/drugs/99999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
