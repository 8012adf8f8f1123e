"""Redis failures never reach the caller: a closed port, a hung server, and recovery by itself."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.cache import DrugCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingRedis:
    """Passes calls to a redis-py client pointed at a broken server, counting the attempts."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.attempts = 0

    def mget(self, keys: list[str]) -> Any:
        self.attempts += 1
        return self.client.mget(keys)

    def pipeline(self, transaction: bool = False) -> Any:
        self.attempts += 1
        return self.client.pipeline(transaction=transaction)

    def ping(self) -> Any:
        self.attempts += 1
        return self.client.ping()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hung_server() -> Iterator[int]:
    """A listener that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def _broken_cache(port: int, clock: Clock) -> tuple[DrugCache, CountingRedis]:
    cache = DrugCache(read_version=lambda: 1, redis_alias="broken", breaker_failures=3, breaker_reset=5.0)
    cache.breaker.timer = clock
    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_connect_timeout=0.05,
        socket_timeout=0.05,
        retry=Retry(NoBackoff(), 0),
    )
    counting = CountingRedis(client)
    cache._client = counting
    return cache, counting


def _assert_answers_and_opens(cache: DrugCache, counting: CountingRedis) -> None:
    lookup = DrugLookup(cache, fuzzy_backend="memory")
    cache.l1_enabled = False  # every lookup must try L2
    for _ in range(3):
        assert lookup.lookup_one(name="Panadol").generic_name == "paracetamol"
    assert cache.breaker.state == "open"
    attempts = counting.attempts
    for _ in range(20):
        assert lookup.lookup_one(name="Flagyl").generic_name == "metronidazole"
    assert counting.attempts == attempts, "an open breaker must not call Redis"
    assert cache.stats["l2"].errors >= 3
    assert cache.stats["l2"].skipped >= 20


def test_a_closed_redis_port_costs_lookups_nothing_once_the_breaker_opens(formulary):
    cache, counting = _broken_cache(_free_port(), Clock())
    _assert_answers_and_opens(cache, counting)


def test_a_hung_redis_times_out_and_opens_the_breaker(formulary, hung_server):
    cache, counting = _broken_cache(hung_server, Clock())
    _assert_answers_and_opens(cache, counting)


def test_the_breaker_probes_once_after_its_reset_time(formulary):
    clock = Clock()
    cache, counting = _broken_cache(_free_port(), clock)
    _assert_answers_and_opens(cache, counting)
    clock.now += 5.0
    assert cache.breaker.state == "half_open"
    lookup = DrugLookup(cache, fuzzy_backend="memory")
    attempts = counting.attempts
    lookup.lookup_one(name="Ventolin")
    assert counting.attempts == attempts + 1  # one probe (MGET); it fails, so no write-back follows
    assert cache.breaker.state == "open"


@pytest.mark.redis
def test_the_breaker_closes_by_itself_when_redis_returns(formulary):
    clock = Clock()
    cache, counting = _broken_cache(_free_port(), clock)
    _assert_answers_and_opens(cache, counting)
    url = redis.connection.parse_url(settings.REDIS_URL)
    counting.client = redis.Redis(
        host=url.get("host", "127.0.0.1"), port=url.get("port", 6379), db=url.get("db", 0)
    )
    cache.prefix = "rxtest:breaker:"
    clock.now += 5.0
    lookup = DrugLookup(cache, fuzzy_backend="memory")
    assert lookup.lookup_one(name="Septrin").drug is not None
    assert cache.breaker.state == "closed"
    attempts = counting.attempts
    lookup.lookup_one(name="Septrin")
    assert counting.attempts == attempts + 1  # back on Redis: served by one MGET
    keys = list(counting.client.scan_iter(match="rxtest:breaker:*"))
    if keys:
        counting.client.delete(*keys)
