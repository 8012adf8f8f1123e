"""Timing and counting: tight timed loops, database queries and Redis round trips (percentiles and
summaries: ``devtools.stats``).

Timed loops and counted loops are separate passes: capturing queries turns Django's debug cursor on,
which costs time, so nothing is counted while it is timed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

__all__ = ["CountingRedis", "counted", "timed", "timed_rounds"]


def timed(
    call: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    iterations: int,
    budget_s: float,
    warmup: int = 0,
    before: Callable[[int], None] | None = None,
    min_iterations: int = 5,
) -> list[int]:
    """Time ``call(args[i % len(args)])`` up to ``iterations`` times or ``budget_s`` seconds
    (at least ``min_iterations``); ``before(i)`` runs untimed before each call.  GC is off inside."""
    for i in range(warmup):
        if before:
            before(-1 - i)
        call(args[i % len(args)])
    samples: list[int] = []
    gc.collect()
    gc.disable()
    try:
        deadline = time.perf_counter_ns() + int(budget_s * 1e9)
        clock = time.perf_counter_ns
        for i in range(iterations):
            if before:
                before(i)
            arg = args[i % len(args)]
            start = clock()
            call(arg)
            end = clock()
            samples.append(end - start)
            if end > deadline and i + 1 >= min_iterations:
                break
    finally:
        gc.enable()
    return samples


Entry = tuple[Callable[[Any], Any], Sequence[Any], Callable[[int], None] | None]


def timed_rounds(
    entries: dict[str, Entry], *, iterations: int, budget_s: float, warmup: int = 0, min_iterations: int = 5
) -> dict[str, list[int]]:
    """Time several calls round-robin: round i calls each entry once (``before(i)`` untimed first), in
    an order rotated every round.  On a shared, noisy machine every entry then sees the same load over
    the same window, so their ratios hold even when the absolute figures drift."""
    names = list(entries)
    for i in range(warmup):
        for call, args, before in entries.values():
            if before:
                before(-1 - i)
            call(args[i % len(args)])
    samples: dict[str, list[int]] = {name: [] for name in names}
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        deadline = clock() + int(budget_s * 1e9)
        for i in range(iterations):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                call, args, before = entries[name]
                if before:
                    before(i)
                arg = args[i % len(args)]
                start = clock()
                call(arg)
                samples[name].append(clock() - start)
            if clock() > deadline and i + 1 >= min_iterations:
                break
    finally:
        gc.enable()
    return samples


class CountingRedis:
    """Passes every call to a redis-py client, counting round trips and commands."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.round_trips = 0
        self.commands = 0

    def mget(self, keys: Any, *args: Any) -> Any:
        self.round_trips += 1
        self.commands += 1
        return self.real.mget(keys, *args)

    def get(self, key: Any) -> Any:
        self.round_trips += 1
        self.commands += 1
        return self.real.get(key)

    def pipeline(self, transaction: bool = False) -> Any:
        pipe = self.real.pipeline(transaction=transaction)
        execute = pipe.execute

        def counted_execute(*args: Any, **kwargs: Any) -> Any:
            self.round_trips += 1
            self.commands += len(pipe.command_stack)
            return execute(*args, **kwargs)

        pipe.execute = counted_execute
        return pipe

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.real, name)
        if callable(attribute):

            def counted_call(*args: Any, **kwargs: Any) -> Any:
                self.round_trips += 1
                self.commands += 1
                return attribute(*args, **kwargs)

            return counted_call
        return attribute


# The formulary version is re-read at most once every FORMULARY_VERSION_POLL seconds by each process,
# whatever its request rate: counted apart from the queries a lookup makes.
VERSION_TABLE = "formulary_formularyversion"


def counted(
    call: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    calls: int,
    cache: Any = None,
    before: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Database queries and Redis round trips/commands per call, over ``calls`` calls: the mean of all
    queries, the most one call made besides the version poll, and the version polls per call."""
    counter = None
    real = None
    if cache is not None and getattr(cache, "redis_alias", None):
        real = cache.client()
        counter = CountingRedis(real)
        cache._client = counter
    per_call: list[int] = []  # each call's queries, the formulary version poll aside
    polls = 0
    try:
        with CaptureQueriesContext(connection) as queries:
            for i in range(calls):
                if before:
                    before(10_000_000 + i)
                seen = len(queries.captured_queries)
                call(args[i % len(args)])
                made = [q["sql"] for q in queries.captured_queries[seen:]]
                poll = sum(VERSION_TABLE in sql for sql in made)
                polls += poll
                per_call.append(len(made) - poll)
    finally:
        if counter is not None:
            cache._client = real
    return {
        "db_queries_per_request": round(len(queries.captured_queries) / calls, 4),
        "db_queries_max": max(per_call, default=0),
        "version_polls_per_request": round(polls / calls, 4),
        "redis_round_trips_per_request": round(counter.round_trips / calls, 4) if counter else 0.0,
        "redis_commands_per_request": round(counter.commands / calls, 4) if counter else 0.0,
    }
