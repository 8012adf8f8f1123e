"""Bounded metric labels, the scrape registry, and the log levels of client and server errors."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from rxtriage.ops.views import scrape_registry


def _metrics(client: Client) -> str:
    return client.get("/metrics").content.decode()


@pytest.mark.django_db
def test_a_made_up_http_method_is_counted_as_other_never_under_its_own_name() -> None:
    client = Client()
    for i in range(5):
        client.generic(f"MADEUP{chr(65 + i)}", "/healthz")
    text = _metrics(client)
    assert "MADEUP" not in text
    assert 'rxtriage_http_requests_total{method="other",status="200"}' in text


@pytest.mark.django_db
def test_a_path_no_route_matches_is_timed_as_unmatched_never_by_its_path() -> None:
    client = Client()
    client.get("/no-such-page/12345/")
    text = _metrics(client)
    assert "12345" not in text and "no-such-page" not in text
    assert 'rxtriage_http_request_seconds_count{view="unmatched"}' in text


@pytest.mark.django_db
def test_a_resolved_route_is_timed_under_its_url_pattern_name() -> None:
    client = Client()
    client.get("/healthz")
    assert 'rxtriage_http_request_seconds_count{view="healthz"}' in _metrics(client)


def test_without_a_multiprocess_directory_a_scrape_reads_this_process(
    monkeypatch: Any, tmp_path: Any
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert scrape_registry() is REGISTRY
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert scrape_registry() is not REGISTRY


@pytest.mark.django_db
def test_a_client_error_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="django.request"):
        Client().get("/no-such-page/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.levelno == logging.INFO for r in records)


@pytest.mark.django_db
def test_a_server_error_is_logged_at_error(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)
    with (
        mock.patch("rxtriage.ops.views.JsonResponse", side_effect=RuntimeError("bug")),
        caplog.at_level(logging.INFO, logger="django.request"),
    ):
        assert client.get("/healthz").status_code == 500
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.levelno == logging.ERROR for r in records)
