"""Every documented lookup setting reaches its code: set from the environment, it is what the running
engine uses; changed, the engine behaves differently."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.cache import DrugCache, drug_cache_build
from rxtriage.lookup.conf import LookupSettings, lookup_settings

# --- from the environment to the engine ---------------------------------------------------------------

ENVIRONMENT = {
    "DRUG_CACHE_TTL": "1234",
    "DRUG_CACHE_NEGATIVE_TTL": "321",
    "DRUG_CACHE_PREFIX": "rxenv:",
    "DRUG_CACHE_L1_SIZE": "77",
    "DRUG_FUZZY_BACKEND": "memory",
    "DRUG_FUZZY_MEMORY_MAX_NAMES": "4321",
    "DRUG_TRIGRAM_THRESHOLD": "0.45",
    "FORMULARY_VERSION_POLL": "0.25",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "REDIS_CONNECT_TIMEOUT": "0.123",
    "REDIS_SOCKET_TIMEOUT": "0.234",
    "REDIS_BREAKER_FAILURES": "7",
    "REDIS_BREAKER_RESET": "9.5",
}

_PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
import django
django.setup()
from django_redis import get_redis_connection
from rxtriage.lookup.api import default_lookup as lookup
cache = lookup.cache
pool = get_redis_connection("drugs").connection_pool.connection_kwargs
print(json.dumps({
    "DRUG_CACHE_TTL": cache.ttl,
    "DRUG_CACHE_NEGATIVE_TTL": cache.negative_ttl,
    "DRUG_CACHE_PREFIX": cache.prefix,
    "DRUG_CACHE_L1_SIZE": cache.l1_size,
    "DRUG_FUZZY_BACKEND": lookup.fuzzy_backend,
    "DRUG_FUZZY_MEMORY_MAX_NAMES": lookup.memory_max_names,
    "DRUG_TRIGRAM_THRESHOLD": lookup.trigram_threshold,
    "FORMULARY_VERSION_POLL": cache.stamp.poll,
    "REDIS_URL": cache.redis_alias,
    "REDIS_CONNECT_TIMEOUT": pool["socket_connect_timeout"],
    "REDIS_SOCKET_TIMEOUT": pool["socket_timeout"],
    "REDIS_BREAKER_FAILURES": cache.breaker.failures,
    "REDIS_BREAKER_RESET": cache.breaker.reset,
}))
"""

EXPECTED = {
    "DRUG_CACHE_TTL": 1234,
    "DRUG_CACHE_NEGATIVE_TTL": 321,
    "DRUG_CACHE_PREFIX": "rxenv:",
    "DRUG_CACHE_L1_SIZE": 77,
    "DRUG_FUZZY_BACKEND": "memory",
    "DRUG_FUZZY_MEMORY_MAX_NAMES": 4321,
    "DRUG_TRIGRAM_THRESHOLD": 0.45,
    "FORMULARY_VERSION_POLL": 0.25,
    "REDIS_URL": "drugs",
    "REDIS_CONNECT_TIMEOUT": 0.123,
    "REDIS_SOCKET_TIMEOUT": 0.234,
    "REDIS_BREAKER_FAILURES": 7,
    "REDIS_BREAKER_RESET": 9.5,
}


@pytest.fixture(scope="module")
def engine_from_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a fresh process's lookup engine holds when every setting comes from the environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DRUG_", "REDIS_", "FORMULARY_"))}
    base["RXTRIAGE_DATA_DIR"] = str(tmp_path_factory.mktemp("settings"))
    base.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**base, **ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_setting_from_the_environment_is_what_the_engine_uses(
    name: str, engine_from_environment: dict[str, Any]
) -> None:
    assert engine_from_environment[name] == EXPECTED[name]
    assert EXPECTED[name] != _default_of(name)  # the probe really changed it


def _default_of(name: str) -> Any:
    defaults = LookupSettings()
    return {
        "DRUG_CACHE_TTL": defaults.cache_ttl,
        "DRUG_CACHE_NEGATIVE_TTL": defaults.cache_negative_ttl,
        "DRUG_CACHE_PREFIX": defaults.cache_prefix,
        "DRUG_CACHE_L1_SIZE": defaults.l1_size,
        "DRUG_FUZZY_BACKEND": defaults.fuzzy_backend,
        "DRUG_FUZZY_MEMORY_MAX_NAMES": defaults.fuzzy_memory_max_names,
        "DRUG_TRIGRAM_THRESHOLD": defaults.trigram_threshold,
        "FORMULARY_VERSION_POLL": defaults.version_poll,
        "REDIS_URL": None,
        "REDIS_CONNECT_TIMEOUT": 0.05,
        "REDIS_SOCKET_TIMEOUT": 0.05,
        "REDIS_BREAKER_FAILURES": defaults.breaker_failures,
        "REDIS_BREAKER_RESET": defaults.breaker_reset,
    }[name]


def test_the_settings_object_reads_djangos_settings(settings: Any) -> None:
    settings.DRUG_TRIGRAM_THRESHOLD = 0.55
    settings.DRUG_CACHE_L1_SIZE = 3
    conf = lookup_settings()
    assert (conf.trigram_threshold, conf.l1_size) == (0.55, 3)


def test_a_fuzzy_backend_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="DRUG_FUZZY_BACKEND"):
        LookupSettings(fuzzy_backend="elastic")


# --- changing a setting changes behaviour -------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _conf(**changes: Any) -> LookupSettings:
    return dataclasses.replace(lookup_settings(), cache_prefix=f"rxset:{uuid.uuid4().hex[:10]}:", **changes)


@pytest.fixture
def built() -> Iterator[list[DrugCache]]:
    """Caches built by a test; their Redis keys are deleted afterwards."""
    caches: list[DrugCache] = []
    yield caches
    for cache in caches:
        if cache.redis_alias:
            client = cache.client()
            keys = list(client.scan_iter(match=cache.prefix + "*", count=1000))
            if keys:
                client.delete(*keys)


def _lookup(built: list[DrugCache], conf: LookupSettings) -> DrugLookup:
    cache = drug_cache_build(conf)
    built.append(cache)
    return DrugLookup.from_settings(cache, conf)


def _redis_ttls(cache: DrugCache) -> list[int]:
    client = cache.client()
    return [int(client.ttl(key)) for key in client.scan_iter(match=cache.prefix + "*", count=1000)]


@pytest.mark.redis
@pytest.mark.parametrize("ttl", [600, 7200])
def test_drug_cache_ttl_is_how_long_redis_keeps_a_found_name(ttl: int, formulary: Any, built: Any) -> None:
    lookup = _lookup(built, _conf(cache_ttl=ttl))
    assert lookup.lookup_one(name="Panadol").found
    assert [t for t in _redis_ttls(lookup.cache)] and all(
        ttl - 5 <= t <= ttl for t in _redis_ttls(lookup.cache)
    )


@pytest.mark.redis
@pytest.mark.parametrize("ttl", [60, 300])
def test_drug_cache_negative_ttl_is_how_long_redis_keeps_a_name_not_found(
    ttl: int, formulary: Any, built: Any
) -> None:
    lookup = _lookup(built, _conf(cache_negative_ttl=ttl))
    assert not lookup.lookup_one(name="zzqxvbn").found
    ttls = _redis_ttls(lookup.cache)
    assert ttls and all(ttl - 5 <= t <= ttl for t in ttls)


@pytest.mark.redis
def test_drug_cache_prefix_starts_every_redis_key(formulary: Any, built: Any) -> None:
    conf = _conf()
    lookup = _lookup(built, conf)
    lookup.lookup_many(names=["Panadol", "Flagyl"])
    keys = list(lookup.cache.client().scan_iter(match=conf.cache_prefix + "*", count=1000))
    assert len(keys) == 2


@pytest.mark.parametrize("size", [1, 3])
def test_drug_cache_l1_size_bounds_the_in_process_cache(size: int, formulary: Any, built: Any) -> None:
    lookup = _lookup(built, _conf(l1_size=size))
    lookup.lookup_many(names=["Panadol", "Flagyl", "Amoxil", "Coartem"])
    assert lookup.cache.snapshot()["l1"]["size"] == size


@pytest.mark.parametrize(("poll", "seen"), [(0.5, True), (60.0, False)])
def test_formulary_version_poll_is_how_soon_a_new_version_is_seen(poll: float, seen: bool) -> None:
    versions = [1]
    conf = _conf(version_poll=poll)
    cache = DrugCache(
        read_version=lambda: versions[0], prefix=conf.cache_prefix, version_poll=conf.version_poll
    )
    clock = Clock()
    cache.stamp.timer = clock
    assert cache.version() == 1
    versions[0] = 2
    clock.now += 1.0
    assert (cache.version() == 2) is seen


@pytest.mark.parametrize("failures", [2, 4])
def test_redis_breaker_failures_is_how_many_errors_open_the_breaker(failures: int) -> None:
    breaker = drug_cache_build(_conf(breaker_failures=failures)).breaker
    for _ in range(failures - 1):
        breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"


@pytest.mark.parametrize("reset", [2.0, 30.0])
def test_redis_breaker_reset_is_when_the_breaker_probes_again(reset: float) -> None:
    breaker = drug_cache_build(_conf(breaker_failures=1, breaker_reset=reset)).breaker
    clock = Clock()
    breaker.timer = clock
    breaker.failure()
    clock.now += 5.0
    assert breaker.state == ("half_open" if reset <= 5.0 else "open")


def _fuzzy_sql(lookup: DrugLookup, name: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        lookup.lookup_one(name=name)
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.postgres
@pytest.mark.parametrize(("backend", "trigram"), [("trigram", True), ("memory", False)])
def test_drug_fuzzy_backend_picks_the_fuzzy_retrieval(
    backend: str, trigram: bool, formulary: Any, built: Any
) -> None:
    sql = _fuzzy_sql(_lookup(built, _conf(fuzzy_backend=backend)), "metronidazzole")
    assert any("set_config('pg_trgm.similarity_threshold'" in q for q in sql) is trigram


@pytest.mark.postgres
@pytest.mark.parametrize(("limit", "trigram"), [(0, True), (10**9, False)])
def test_drug_fuzzy_memory_max_names_is_where_auto_switches_to_trigram(
    limit: int, trigram: bool, formulary: Any, built: Any
) -> None:
    lookup = _lookup(built, _conf(fuzzy_backend="auto", fuzzy_memory_max_names=limit))
    assert lookup._use_trigram() is trigram


@pytest.mark.postgres
@pytest.mark.parametrize(("threshold", "found"), [(0.3, True), (0.95, False)])
def test_drug_trigram_threshold_decides_which_names_the_trigram_tier_finds(
    threshold: float, found: bool, formulary: Any, built: Any
) -> None:
    """Two letters short: no name is one slip away, so the trigram step runs (a one-slip typo is found by
    the one-slip neighbours at any threshold: the next test)."""
    lookup = _lookup(built, _conf(fuzzy_backend="trigram", trigram_threshold=threshold))
    result = lookup.lookup_one(name="metronidzol")
    assert bool(result.candidates) is found
    assert (result.drug is not None and result.drug["generic_name"] == "metronidazole") is found
