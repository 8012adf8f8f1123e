"""A new worker's warm-up (``rxtriage.ops.warm``, run by gunicorn's ``post_worker_init``): what it builds
spares the first request those queries, and a part that fails never stops the worker."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError

from rxtriage.lookup.api import default_lookup, lookup_one
from rxtriage.ops import warm
from rxtriage.ops.warm import warm_worker

TYPO = "paracetomol"  # a typo of a formulary name: the fuzzy tier answers it


def test_every_part_is_built_and_timed(formulary) -> None:
    took = warm_worker()
    assert set(took) == {"urls", "red_flags", "lookup"}
    assert all(isinstance(ms, float) and ms >= 0 for ms in took.values())


def test_after_the_warm_up_a_cold_typo_costs_no_query(
    formulary, version_frozen, django_assert_num_queries
) -> None:
    default_lookup.forget_local()
    warm_worker()
    # the fuzzy index of the shipped formulary is in process, and the known names skip the exact query
    with django_assert_num_queries(0):
        result = lookup_one(name=TYPO)
    assert result.drug is not None and result.drug["generic_name"] == "paracetamol"


def test_without_the_warm_up_the_first_cold_typo_builds_what_it_needs(
    formulary, version_frozen, django_assert_max_num_queries
) -> None:
    """The control of the test above: the same lookup in a process that did not warm up queries the
    database for the known names and the fuzzy index."""
    default_lookup.forget_local()
    with django_assert_max_num_queries(10) as captured:
        result = lookup_one(name=TYPO)
    assert len(captured.captured_queries) >= 2
    assert result.drug is not None and result.drug["generic_name"] == "paracetamol"


def test_a_part_that_fails_is_logged_and_the_worker_starts(
    formulary, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(default_lookup, "prepare", database_down)  # the injected fault
    default_lookup.forget_local()
    with caplog.at_level(logging.INFO, logger="rxtriage.ops.warm"):
        took = warm_worker()
    assert took["lookup"] is None
    assert took["urls"] is not None and took["red_flags"] is not None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "worker warm-up: lookup not built (OperationalError); built on first use"
    ]
    # built on first use, as before
    assert lookup_one(name=TYPO).drug is not None


def test_the_warm_up_scans_a_fixed_text_and_logs_no_text_at_all(
    formulary, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rxtriage.ops.warm"):
        warm_worker()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "worker warmed: urls" in logged
    assert warm.WARM_TEXT not in logged and "chest" not in logged
