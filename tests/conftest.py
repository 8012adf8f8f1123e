"""Shared fixtures.

The suite runs against whatever ``DATABASE_URL`` and ``REDIS_URL`` say: the embedded default (SQLite,
in-process cache) when unset, real PostgreSQL and Redis when set.  Tests marked ``postgres`` or
``redis`` are skipped where the service is not configured, unless ``RXTRIAGE_REQUIRE_SERVICES=1``, which
turns a missing service into a failure (CI sets it for the PostgreSQL + Redis run).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("RXTRIAGE_REQUIRE_SERVICES") == "1"


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES and not (_on_postgres() and settings.REDIS_URL):
        pytest.exit(
            "RXTRIAGE_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL or REDIS_URL is unset",
            returncode=3,
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = {"postgres": not _on_postgres(), "redis": not settings.REDIS_URL}
    for item in items:
        for marker, absent in missing.items():
            if absent and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"{marker} not configured"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated and loaded with the shipped formulary once per session."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_formulary", verbosity=0)


@pytest.fixture
def formulary(db):
    """The shipped formulary (loaded once per session; each test runs in a rolled-back transaction)."""
    from rxtriage.formulary.models import Drug

    return Drug.objects


@pytest.fixture(autouse=True)
def fresh_drug_cache():
    """Each test gets an empty L1, a re-read formulary version and its own L2 key prefix.

    Test transactions roll back, so a version number can come back with other data behind it: a
    per-test prefix keeps one test's Redis entries from ever being read by another, and the lookup forgets
    what it derived in process from the formulary (its known names, its fuzzy index).  The test's own
    keys are deleted afterwards (never FLUSHDB: the Redis database may be shared).
    """
    import uuid

    from rxtriage.lookup.api import default_lookup
    from rxtriage.lookup.cache import drug_cache

    saved = drug_cache.prefix
    drug_cache.prefix = f"rxtest:{uuid.uuid4().hex[:12]}:"
    drug_cache.l1_clear()
    drug_cache.bump_local()
    default_lookup.forget_local()
    drug_cache.breaker.success()
    yield drug_cache
    if drug_cache.redis_alias:
        try:
            client = drug_cache.client()
            keys = list(client.scan_iter(match=drug_cache.prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        except Exception:
            pass
    drug_cache.prefix = saved
    drug_cache.l1_clear()
    drug_cache.bump_local()


@pytest.fixture
def version_frozen(fresh_drug_cache):
    """The formulary version read once and then kept (no re-read, so no version poll falls inside a
    counted block)."""
    cache = fresh_drug_cache
    cache.stamp.timer = lambda: 0.0
    cache.version()
    yield cache
    del cache.stamp.timer
