"""Lookup scenarios measured in four layers: the control, and ours cold, Redis-hot and L1-hot.

Scenarios (each call is one request of the triage service: ``lookup_many`` over its names):

- ``exact_generic``: a generic name as the formulary writes it;
- ``brand``: a brand name;
- ``typo``: a generic name with one slip (dropped, doubled, swapped or wrong letter): the fuzzy tier;
- ``non_medicine``: "banana", "malaria", an injection string...: resolves to nothing;
- ``batch3``: three exact names in one request (the control looks them up one after another);
- ``mix``: the realistic stream (``generator.mix_stream``): Zipf-distributed typed names, 95% repeats,
  a few non-medicines, one name per request, timed name by name.

Layers:

- ``control``: the seed system's before-path (``control.control_lookup``), no cache;
- ``cold``: our lookup with both cache tiers empty before every request (a fresh key prefix and a
  cleared L1); for the mix, empty once at the start of the stream;
- ``redis_hot``: L1 off, every name already in Redis (one MGET a request);
- ``l1_hot``: L1 on and warm (what a server worker does for its popular names).
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from bench.control import control_lookup
from bench.generator import NON_MEDICINES, MixItem, mix_stream, rank_by_commonness, typo
from bench.timing import counted, timed, timed_rounds
from devtools.stats import summary
from rxtriage.formulary.datafile import DrugRecord
from rxtriage.formulary.selectors import formulary_version_get
from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.cache import DrugCache

__all__ = [
    "LAYERS", "SCENARIOS", "Budget", "Pools", "QueryCounter", "cache_make", "lookup_make", "lookup_suite",
    "pools_build",
]  # fmt: skip

SCENARIOS = ("exact_generic", "brand", "typo", "non_medicine", "batch3", "mix")
LAYERS = ("control", "cold", "redis_hot", "l1_hot")


@dataclass(frozen=True)
class Budget:
    """Iterations and seconds per measurement."""

    hot_iterations: int
    cold_iterations: int
    control_iterations: int
    seconds: float  # per scenario and layer (the control's mix gets twice this)
    count_calls: int  # calls of each counted pass
    mix_length: int
    pool_size: int


@dataclass
class Pools:
    exact_generic: list[list[str]]
    brand: list[list[str]]
    typo: list[list[str]]
    non_medicine: list[list[str]]
    batch3: list[list[str]]
    mix: list[MixItem]

    def requests(self, scenario: str) -> list[list[str]]:
        if scenario == "mix":
            return [[item.text] for item in self.mix]
        return getattr(self, scenario)

    def all_names(self) -> list[str]:
        names = {n for s in SCENARIOS for request in self.requests(s) for n in request}
        return sorted(names)


def pools_build(records: Sequence[DrugRecord], *, real_count: int, seed: int, budget: Budget) -> Pools:
    """Names for each scenario: half from the real formulary, half from the whole dataset."""
    rng = random.Random(seed)
    real, everything = list(records[:real_count]), list(records)

    def sample(items: list[DrugRecord], k: int) -> list[DrugRecord]:
        return rng.sample(items, min(k, len(items)))

    half = budget.pool_size // 2
    picked = sample(real, half) + sample(everything, budget.pool_size - half)
    generic = [[r.generic_name] for r in picked]
    with_brand = [r for r in real if r.brand_names]
    brand_records = sample(with_brand, half) + sample([r for r in everything if r.brand_names], half)
    brand = [[rng.choice(r.brand_names)] for r in brand_records]
    long_names = [r for r in everything if len(r.generic_name) >= 7 and "/" not in r.generic_name]
    long_real = [r for r in real if len(r.generic_name) >= 7 and "/" not in r.generic_name]
    typo_records = sample(long_real, half) + sample(long_names, half)
    typos = [[typo(r.generic_name, rng)] for r in typo_records]
    batch3 = [[g[0] for g in generic[i : i + 3]] for i in range(0, len(generic) - 2, 3)]
    ranked = rank_by_commonness(records)
    return Pools(
        exact_generic=generic,
        brand=brand,
        typo=typos,
        non_medicine=[[n] for n in NON_MEDICINES],
        batch3=batch3,
        mix=mix_stream(ranked, length=budget.mix_length, seed=seed),
    )


class QueryCounter:
    """A ``connection.execute_wrapper`` that only counts (about a microsecond a query)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _version() -> int:
    return formulary_version_get(using="default")


def cache_make(*, redis: bool, prefix: str, l1: bool) -> DrugCache:
    return DrugCache(
        read_version=_version,
        redis_alias="drugs" if redis else None,
        prefix=prefix,
        ttl=settings.DRUG_CACHE_TTL,
        negative_ttl=settings.DRUG_CACHE_NEGATIVE_TTL,
        l1_size=settings.DRUG_CACHE_L1_SIZE,
        version_poll=settings.FORMULARY_VERSION_POLL,
        l1_enabled=l1,
    )


def lookup_make(cache: DrugCache, fuzzy_backend: str) -> DrugLookup:
    """A lookup configured as the server's ``default_lookup`` is, on ``cache``."""
    limit = getattr(settings, "DRUG_FUZZY_MEMORY_MAX_NAMES", None)
    if limit is None:
        return DrugLookup(cache, fuzzy_backend=fuzzy_backend)
    return DrugLookup(cache, fuzzy_backend=fuzzy_backend, memory_max_names=limit)


def _control_call(names: list[str]) -> list[Any]:
    return [control_lookup(name) for name in names]


class _Cold:
    """Empties both tiers before each request: a key prefix never used before and a cleared L1."""

    def __init__(self, cache: DrugCache, prefix: str) -> None:
        self.cache, self.prefix = cache, prefix

    def __call__(self, i: int) -> None:
        self.cache.prefix = f"{self.prefix}{i}:"
        self.cache.l1_clear()


def _control_measure(requests: Sequence[list[str]], *, iterations: int, seconds: float) -> dict[str, Any]:
    """The control, timed and counted in one pass: its lookups take milliseconds, and a counting
    ``execute_wrapper`` costs about a microsecond a query, so one pass does both (and the slow control
    is not run twice).  At least 20 requests, then until ``iterations`` or ``seconds``."""
    counter = QueryCounter()
    samples: list[int] = []
    control_lookup(requests[0][0])  # warm-up: connection, statement caches
    deadline = time.perf_counter() + seconds
    with connection.execute_wrapper(counter):
        counter.count = 0
        for i in range(iterations):
            names = requests[i % len(requests)]
            start = time.perf_counter_ns()
            _control_call(names)
            samples.append(time.perf_counter_ns() - start)
            if time.perf_counter() > deadline and len(samples) >= 20:
                break
    return {
        **summary(samples),
        "db_queries_per_request": round(counter.count / len(samples), 4),
        "redis_round_trips_per_request": 0.0,
        "redis_commands_per_request": 0.0,
    }


def _by_names(lookup: DrugLookup) -> Callable[[Sequence[str]], Any]:
    """``lookup.lookup_many`` as the one-argument call the timers make."""
    return lambda names: lookup.lookup_many(names=names)


def _stream_pass(lookup: DrugLookup, stream: list[MixItem], *, count: bool) -> dict[str, Any]:
    """One pass over the stream, timing (or counting) each request."""
    texts = [[item.text] for item in stream]
    if count:
        return counted(_by_names(lookup), texts, calls=len(texts), cache=lookup.cache)
    samples = timed(
        _by_names(lookup), texts, iterations=len(texts), budget_s=3600, min_iterations=len(texts)
    )
    return summary(samples)


def lookup_suite(
    pools: Pools,
    *,
    budget: Budget,
    redis: bool,
    prefix: str,
    fuzzy_backend: str,
    progress: Callable[[str], None],
) -> dict[str, dict[str, Any]]:
    """Every scenario in every layer: {layer: {scenario: figures}} (a skipped layer maps to None)."""
    out: dict[str, dict[str, Any]] = {layer: {} for layer in LAYERS}

    # --- control ----------------------------------------------------------------------------------------
    progress("control (the seed's before-path)")
    for scenario in SCENARIOS[:-1]:
        out["control"][scenario] = _control_measure(
            pools.requests(scenario), iterations=budget.control_iterations, seconds=budget.seconds
        )
    # the mix: a prefix of the stream (the control's cost does not depend on repeats)
    out["control"]["mix"] = _control_measure(
        pools.requests("mix"), iterations=len(pools.mix), seconds=budget.seconds * 2
    )
    out["control"]["mix"]["stream_prefix"] = out["control"]["mix"]["n"]

    # --- cold ---------------------------------------------------------------------------------------
    progress("ours, cold (empty caches before every request; scenarios interleaved)")
    cold_cache = cache_make(redis=redis, prefix=f"{prefix}cold:", l1=True)
    cold = lookup_make(cold_cache, fuzzy_backend)
    out["cold"] = _layer(
        cold, pools, budget=budget, iterations=budget.cold_iterations, warmup=3,
        before={s: _Cold(cold_cache, f"{prefix}cold:{s}:") for s in SCENARIOS[:-1]},
    )  # fmt: skip
    # the mix: empty once, then the whole stream (5% first sightings, 95% repeats)
    cold_cache.prefix = f"{prefix}coldmix:"
    cold_cache.l1_clear()
    mix_cold = _stream_pass(cold, pools.mix, count=False)
    cold_cache.prefix = f"{prefix}coldmix-count:"
    cold_cache.l1_clear()
    out["cold"]["mix"] = {**mix_cold, **_stream_pass(cold, pools.mix, count=True)}

    # --- hot -------------------------------------------------------------------------------------------
    hot_prefix = f"{prefix}hot:"
    l1_cache = cache_make(redis=redis, prefix=hot_prefix, l1=True)
    l1_hot = lookup_make(l1_cache, fuzzy_backend)
    names = pools.all_names()
    for start in range(0, len(names), 20):  # warm both tiers with every name of every scenario
        l1_hot.lookup_many(names=names[start : start + 20])
    hot_layers: list[tuple[str, DrugLookup]] = []
    if redis:
        redis_cache = cache_make(redis=True, prefix=hot_prefix, l1=False)
        hot_layers.append(("redis_hot", lookup_make(redis_cache, fuzzy_backend)))
    else:
        out["redis_hot"] = None  # type: ignore[assignment]
    hot_layers.append(("l1_hot", l1_hot))
    for layer, lookup in hot_layers:
        progress(f"ours, {layer.replace('_', ' ')} (scenarios interleaved)")
        out[layer] = _layer(
            lookup, pools, budget=budget, iterations=budget.hot_iterations, warmup=20, before={}
        )
        timed_pass = _stream_pass(lookup, pools.mix, count=False)
        out[layer]["mix"] = {**timed_pass, **_stream_pass(lookup, pools.mix, count=True)}
    return out


def _layer(
    lookup: DrugLookup,
    pools: Pools,
    *,
    budget: Budget,
    iterations: int,
    warmup: int,
    before: dict[str, Callable[[int], None]],
) -> dict[str, Any]:
    """The five single-request scenarios of one layer, timed round-robin, then counted one by one.
    Where the layer reads Redis, a raw GET and MGET of three keys are timed in the same rounds
    (``raw_redis_get``/``raw_redis_mget3``: the floor beside the figures compared with it)."""
    scenarios = SCENARIOS[:-1]
    entries: dict[str, Any] = {s: (_by_names(lookup), pools.requests(s), before.get(s)) for s in scenarios}
    raw = None
    if lookup.cache.l2_configured and not before:
        raw = lookup.cache.client()
        keys = list(itertools.islice(raw.scan_iter(match=f"{lookup.cache.prefix}*", count=1000), 30))
        entries["raw_redis_get"] = (raw.get, keys, None)
        entries["raw_redis_mget3"] = (raw.mget, [keys[i : i + 3] for i in range(0, len(keys) - 2, 3)], None)
    samples = timed_rounds(
        entries, iterations=iterations, budget_s=budget.seconds * len(scenarios), warmup=warmup
    )
    out: dict[str, Any] = {}
    for s in scenarios:
        requests = pools.requests(s)
        counts = counted(
            _by_names(lookup), requests, calls=min(budget.count_calls, len(requests)), cache=lookup.cache,
            before=before.get(s),
        )  # fmt: skip
        out[s] = {**summary(samples[s]), **counts}
    if raw is not None:
        out["raw_redis_get"] = summary(samples["raw_redis_get"])
        out["raw_redis_mget3"] = summary(samples["raw_redis_mget3"])
    return out


def mix_profile(stream: list[MixItem]) -> dict[str, Any]:
    """What the realistic mix is made of."""
    kinds = Counter(item.kind for item in stream)
    return {
        "length": len(stream),
        "distinct": len({item.text for item in stream}),
        "repeat_share": round(sum(item.repeat for item in stream) / len(stream), 4),
        "by_kind": dict(sorted(kinds.items())),
    }
