"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis over WSGI).

For every operation, schemathesis generates valid and invalid requests from the schema and checks
that no response is a server error and that every response (status, content type, body) is what
the schema declares.  Bounded to 25 examples an operation (``RXTRIAGE_SCHEMATHESIS_EXAMPLES`` to change it).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection

from rxtriage.api.services import account_ensure, token_create
from rxtriage.api.throttles import UserRateThrottle
from rxtriage.triage.services import prescription_request_create
from rxtriage.wsgi import application

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("RXTRIAGE_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def _keep_connections() -> Any:
    """Requests go straight to the WSGI app, not through Django's test client, so stop Django from
    closing the connection after each request (it would end the test's transaction on PostgreSQL),
    as the test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(formulary: Any, monkeypatch: Any, _keep_connections: Any) -> str:
    """A doctor's token (a doctor may call every operation), with throttling out of the way."""
    monkeypatch.setattr(UserRateThrottle, "rate", "100000/min")
    patient = account_ensure(username="schema-patient", role="patient")
    prescription_request_create(user=patient, payload={"medications": [{"medicationName": "Panadol"}]})
    return token_create(user=account_ensure(username="schema-doctor", role="doctor"))


def _load_schema() -> Any:
    """The schema the API serves at /api/schema/, built without a request (it needs no database), so it
    loads at collection time.  (schemathesis.pytest.from_fixture would defer it, but breaks on pytest 9.)"""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema_and_never_answers_a_server_error(case: Any, token: str) -> None:
    # negative_data_rejection is left out: in a query string every value is text, so a "wrong type"
    # such as ?name=00 is a valid name; tests/api cover the rejection of bad input case by case.
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=[negative_data_rejection]
    )
    assert response.status_code < 500, response.text
