"""The three layers of the lookup, proven by counting database queries and Redis round trips."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import transaction

from rxtriage.formulary.models import Drug
from rxtriage.formulary.services import drug_save
from rxtriage.lookup.api import DrugLookup, default_lookup, lookup_many, lookup_one
from rxtriage.lookup.cache import DrugCache
from rxtriage.lookup.engine import KnownNames

EXACT_NAMES = ["Panadol 500mg", "Flagyl 400 tabs", "augmentin 625", "TRAMADOL caps", "Ventolin inhaler"]


class CountingClient:
    """Passes every call to the real Redis client and counts the round trips."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.round_trips: list[str] = []

    def mget(self, keys: list[str]) -> Any:
        self.round_trips.append("MGET")
        return self.real.mget(keys)

    def pipeline(self, transaction: bool = False) -> Any:
        pipe = self.real.pipeline(transaction=transaction)
        execute = pipe.execute

        def counted() -> Any:
            self.round_trips.append("PIPELINE")
            return execute()

        pipe.execute = counted
        return pipe

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def frozen_and_prepared(version_frozen):
    """The formulary version kept (``version_frozen``), and what the lookup derives from it built (once a
    process and version, not a request's cost)."""
    default_lookup.prepare()
    return version_frozen


@pytest.fixture
def counted_redis(frozen_and_prepared):
    cache = frozen_and_prepared
    real = cache.client()
    counter = CountingClient(real)
    cache._client = counter
    yield counter
    cache._client = real


def test_a_cold_batch_costs_one_query_and_a_repeat_costs_none(
    formulary, frozen_and_prepared, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = lookup_many(names=EXACT_NAMES)
    assert all(r.drug is not None for r in first), [r.as_dict() for r in first if r.drug is None]
    with django_assert_num_queries(0):
        again = lookup_many(names=EXACT_NAMES)
    assert [r.drug for r in again] == [r.drug for r in first]


def test_the_batch_size_does_not_change_the_query_count(
    formulary, frozen_and_prepared, django_assert_num_queries
):
    names = [d.generic_name for d in Drug.objects.order_by("id")[:60]]
    with django_assert_num_queries(1):
        results = lookup_many(names=names)
    assert [r.drug["generic_name"] if r.drug else None for r in results] == names


@pytest.fixture
def exact_known_names(monkeypatch):
    """Known names with (almost) no false positives, so the queries a test counts do not depend on this
    process's string hashes."""
    monkeypatch.setattr(KnownNames, "FALSE_POSITIVE_RATE", 1e-9)
    default_lookup.forget_local()


def test_a_name_that_is_no_name_of_the_index_costs_no_exact_query(
    formulary, exact_known_names, frozen_and_prepared, django_assert_num_queries
):
    lookup_one(name="ibuprofem")  # the in-process fuzzy index, built once a version
    with django_assert_num_queries(0):
        slip = lookup_one(name="amoxicilin 500mg")
        nothing = lookup_one(name="mango")
    assert slip.generic_name == "amoxicillin" and slip.match == "fuzzy"
    assert nothing.drug is None and nothing.match == "none"
    with django_assert_num_queries(1):
        assert lookup_one(name="Amoxil").generic_name == "amoxicillin"


def test_a_name_added_by_a_write_is_found_at_once(
    formulary, frozen_and_prepared, django_capture_on_commit_callbacks
):
    assert lookup_one(name="Zorbamox").generic_name != "amoxicillin"
    drug = Drug.objects.get(generic_name="amoxicillin")
    drug.brand_names = [*drug.brand_names, "Zorbamox"]
    with django_capture_on_commit_callbacks(execute=True):
        drug_save(drug=drug)
    found = lookup_one(name="Zorbamox")
    assert (found.generic_name, found.match) == ("amoxicillin", "brand")


def test_results_keep_input_order_and_duplicates(formulary, frozen_and_prepared):
    results = lookup_many(names=["flagyl", "panadol", "flagyl"])
    assert [r.input for r in results] == ["flagyl", "panadol", "flagyl"]
    assert results[0].drug == results[2].drug
    assert results[0].generic_name == "metronidazole"
    assert results[1].generic_name == "paracetamol"


def test_a_formulary_write_makes_the_next_lookup_query_again(
    formulary, frozen_and_prepared, django_assert_num_queries, django_capture_on_commit_callbacks
):
    before = lookup_one(name="ibuprofen").drug
    assert before is not None and before["schedule"] != "controlled"
    drug = Drug.objects.get(generic_name="ibuprofen")
    drug.schedule, drug.controlled_basis = "controlled", "ng_national"
    with django_capture_on_commit_callbacks(execute=True):
        drug_save(drug=drug)
    with django_assert_num_queries(2):  # the known names of the new version, then the exact query
        after = lookup_one(name="Ibuprofen 400mg")
    assert after.drug is not None and after.drug["schedule"] == "controlled"


def test_not_found_names_are_cached_too(formulary, frozen_and_prepared, django_assert_num_queries):
    lookup_many(names=["banana"])
    with django_assert_num_queries(0):
        result = lookup_one(name="banana")
    assert result.drug is None and result.match == "none"


@pytest.mark.redis
def test_a_batch_makes_one_redis_round_trip_to_read_and_one_to_write(formulary, counted_redis):
    lookup_many(names=EXACT_NAMES)
    assert counted_redis.round_trips == ["MGET", "PIPELINE"]


@pytest.mark.redis
def test_another_process_is_served_by_redis_without_the_database(
    formulary, counted_redis, frozen_and_prepared, django_assert_num_queries
):
    first = lookup_many(names=EXACT_NAMES)
    frozen_and_prepared.l1_clear()  # what a fresh worker process sees: an empty L1, a warm Redis
    counted_redis.round_trips.clear()
    with django_assert_num_queries(0):
        second = lookup_many(names=EXACT_NAMES)
    assert counted_redis.round_trips == ["MGET"]
    assert [r.drug for r in second] == [r.drug for r in first]


@pytest.mark.redis
def test_cached_values_are_plain_json_without_the_typed_text(formulary, counted_redis, frozen_and_prepared):
    import json

    lookup_many(names=["Panadol for my son Emeka"])
    client = frozen_and_prepared.client()
    keys = list(client.scan_iter(match=frozen_and_prepared.prefix + "*"))
    assert keys
    for key in keys:
        assert b"emeka" not in key.lower()
        value = client.get(key)
        assert b"emeka" not in value.lower()
        assert isinstance(json.loads(value), dict)


def test_concurrent_misses_for_one_name_cause_one_database_query(formulary, frozen_and_prepared):
    lookup = DrugLookup(frozen_and_prepared, fuzzy_backend="memory")
    calls: list[set[str]] = []
    entered = threading.Event()
    release = threading.Event()
    real = lookup._exact_rows

    def slow_exact_rows(keys: set[str]) -> Any:
        calls.append(keys)
        entered.set()
        release.wait(5)
        return real(keys)

    lookup._exact_rows = slow_exact_rows  # type: ignore[method-assign]
    missed = threading.Semaphore(0)
    real_missing = lookup._resolve_missing

    def counted_missing(missing: Any) -> Any:
        missed.release()
        return real_missing(missing)

    lookup._resolve_missing = counted_missing  # type: ignore[method-assign]
    results: list[Any] = []

    def worker() -> None:
        from django.db import connection

        try:
            results.append(lookup.lookup_one(name="Augmentin 625"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    threads[0].start()
    assert entered.wait(5)
    for thread in threads[1:]:
        thread.start()
    for _ in threads:  # every caller missed the cache before the first one's query returns
        assert missed.acquire(timeout=5)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1
    assert len(results) == 8
    assert {r.drug["generic_name"] for r in results} == {"amoxicillin/clavulanic acid"}


def test_without_l1_every_lookup_goes_to_the_next_tier(
    formulary, frozen_and_prepared, django_assert_num_queries
):
    cache = DrugCache(read_version=lambda: 1, l1_enabled=False, prefix=frozen_and_prepared.prefix)
    lookup = DrugLookup(cache, fuzzy_backend="memory")
    lookup.lookup_one(name="panadol")
    with django_assert_num_queries(1):
        assert lookup.lookup_one(name="panadol").generic_name == "paracetamol"


def test_a_rolled_back_write_leaves_the_cache_as_it_was(formulary, frozen_and_prepared):
    before = lookup_one(name="diazepam").drug
    with pytest.raises(RuntimeError), transaction.atomic():
        drug = Drug.objects.get(generic_name="diazepam")
        drug.schedule = "otc"
        drug_save(drug=drug)
        raise RuntimeError("abort")
    assert lookup_one(name="diazepam").drug == before
    assert default_lookup.cache is frozen_and_prepared
