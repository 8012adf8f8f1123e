"""The drug cache: L1 in process, L2 Redis, both stamped with the formulary version.

- Keys: ``DRUG_CACHE_PREFIX`` + formulary version + a hash of the normalised name.  Keys never hold
  raw user text; values are plain JSON records of a resolution (never a pickled model, never patient
  data).
- TTL: ``DRUG_CACHE_TTL`` (24 h) for found names, ``DRUG_CACHE_NEGATIVE_TTL`` for not-found ones.
- Invalidation: every formulary write bumps the version; every process re-reads the version at least
  every ``FORMULARY_VERSION_POLL`` seconds (and at once in the process that wrote), so no stale entry
  is read again after that.
- Failover: Redis errors never reach the caller.  Short socket timeouts bound one call; a circuit
  breaker stops calling a dead or hung Redis and probes it again by itself.
- One L2 round trip per ``get_many`` (MGET) and one per ``set_many`` (a pipeline).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rxtriage.lookup.conf import LookupSettings, lookup_settings
from rxtriage.metrics import BREAKER_OPEN, CACHE_EVENTS

__all__ = ["CircuitBreaker", "DrugCache", "VersionStamp", "cache_key", "drug_cache", "drug_cache_build"]

logger = logging.getLogger(__name__)


def redis_error_kind(exc: BaseException) -> str:
    """What went wrong with a Redis call, in one word an operator can act on (no message text)."""
    import redis.exceptions as rex

    if isinstance(exc, rex.AuthenticationError | rex.AuthenticationWrongNumberOfArgsError):
        return "auth"
    if isinstance(exc, rex.ResponseError) and str(exc).startswith(("NOAUTH", "WRONGPASS")):
        return "auth"
    if "SSL" in str(exc) or "CERTIFICATE" in str(exc).upper():
        return "tls"
    if isinstance(exc, rex.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, rex.ConnectionError | ConnectionError):
        return "connection"
    return type(exc).__name__


def cache_key(prefix: str, version: int, normalized: str) -> str:
    """``prefix`` + version + a hash of the normalised name (never the raw text)."""
    digest = hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).hexdigest()
    return f"{prefix}{version}:{digest}"


class VersionStamp:
    """The formulary version as this process knows it, re-read at most every ``poll`` seconds."""

    timer: Callable[[], float] = time.monotonic

    def __init__(self, read: Callable[[], int], poll: float) -> None:
        self._read = read
        self.poll = poll
        self._version: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> int:
        now = self.timer()
        if self._version is None or now - self._checked >= self.poll:
            with self._lock:
                if self._version is None or now - self._checked >= self.poll:
                    self._version = self._read()
                    self._checked = now
        return self._version

    def set(self, version: int) -> None:
        with self._lock:
            self._version = version
            self._checked = self.timer()

    def expire(self) -> None:
        with self._lock:
            self._version = None


class CircuitBreaker:
    """Closed -> open after ``failures`` consecutive errors -> one probe after ``reset`` seconds."""

    timer: Callable[[], float] = time.monotonic

    def __init__(self, failures: int, reset: float) -> None:
        self.failures = failures
        self.reset = reset
        self._count = 0
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self.timer() - self._opened_at >= self.reset:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May a call go to Redis now?  In half-open state only one probe at a time."""
        if self._opened_at is None:
            return True
        with self._lock:
            if (
                self._opened_at is not None
                and self.timer() - self._opened_at >= self.reset
                and not self._probing
            ):
                self._probing = True
                return True
        return False

    def success(self) -> None:
        if self._opened_at is not None or self._count:
            with self._lock:
                if self._opened_at is not None:
                    logger.warning("redis circuit breaker closed")
                self._count, self._opened_at, self._probing = 0, None, False
                BREAKER_OPEN.set(0)

    def failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._probing or self._count >= self.failures:
                if self._opened_at is None:
                    logger.warning("redis circuit breaker opened after %d failures", self._count)
                self._opened_at = self.timer()
                self._probing = False
                BREAKER_OPEN.set(1)


_EVENTS = ("hits", "misses", "negative_hits", "errors", "skipped")
# Children bound once: prometheus_client's ``labels()`` costs microseconds on the hot path.
_EVENT_COUNTERS = {
    (tier, event): CACHE_EVENTS.labels(tier=tier, event=event) for tier in ("l1", "l2") for event in _EVENTS
}


def _count(stats: TierStats, tier: str, event: str, n: int = 1) -> None:
    setattr(stats, event, getattr(stats, event) + n)
    _EVENT_COUNTERS[tier, event].inc(n)


@dataclass
class TierStats:
    hits: int = 0
    misses: int = 0
    negative_hits: int = 0
    errors: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Entry:
    value: dict[str, Any]
    expires: float


@dataclass
class DrugCache:
    """Two cache tiers for resolutions, keyed by normalised name and formulary version."""

    read_version: Callable[[], int]
    redis_alias: str | None = None
    prefix: str = "drug:v1:"
    ttl: int = 24 * 3600
    negative_ttl: int = 900
    l1_size: int = 20_000
    version_poll: float = 0.5
    breaker_failures: int = 3
    breaker_reset: float = 5.0
    l1_enabled: bool = True
    timer: Callable[[], float] = time.monotonic
    stats: dict[str, TierStats] = field(default_factory=lambda: {"l1": TierStats(), "l2": TierStats()})

    def __post_init__(self) -> None:
        self.stamp = VersionStamp(self.read_version, self.version_poll)
        self.breaker = CircuitBreaker(self.breaker_failures, self.breaker_reset)
        self._l1: OrderedDict[str, _Entry] = OrderedDict()
        self._l1_version: int | None = None
        self._lock = threading.Lock()
        self._client: Any = None
        self.last_error: str | None = None

    # --- version --------------------------------------------------------------------------------------
    def version(self) -> int:
        version = self.stamp.get()
        if version != self._l1_version:
            with self._lock:
                self._l1.clear()
                self._l1_version = version
        return version

    def key(self, normalized: str, version: int | None = None) -> str:
        return cache_key(self.prefix, self.version() if version is None else version, normalized)

    def on_version_change(self, version: int) -> None:
        """A formulary write committed in this process: use the new version at once."""
        self.stamp.set(version)
        self.version()

    def bump_local(self) -> None:
        """Forget the known version (the next call re-reads it)."""
        self.stamp.expire()

    # --- L1 -------------------------------------------------------------------------------------------
    def l1_get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if not self.l1_enabled:
            return found
        now = self.timer()
        stats = self.stats["l1"]
        with self._lock:
            for key in keys:
                entry = self._l1.get(key)
                if entry is None or entry.expires <= now:
                    _count(stats, "l1", "misses")
                    continue
                self._l1.move_to_end(key)
                found[key] = entry.value
                _count(stats, "l1", "negative_hits" if entry.value.get("drug") is None else "hits")
        return found

    def l1_set_many(self, values: dict[str, dict[str, Any]]) -> None:
        if not self.l1_enabled:
            return
        now = self.timer()
        with self._lock:
            for key, value in values.items():
                self._l1[key] = _Entry(value, now + self._ttl_of(value))
                self._l1.move_to_end(key)
            while len(self._l1) > self.l1_size:
                self._l1.popitem(last=False)

    def l1_clear(self) -> None:
        with self._lock:
            self._l1.clear()

    def _ttl_of(self, value: dict[str, Any]) -> int:
        return self.ttl if value.get("drug") is not None else self.negative_ttl

    # --- L2 -------------------------------------------------------------------------------------------
    @property
    def l2_configured(self) -> bool:
        return bool(self.redis_alias)

    def client(self) -> Any:
        if self._client is None:
            from django_redis import get_redis_connection

            self._client = get_redis_connection(self.redis_alias)
        return self._client

    def _l2_call(self, operation: Callable[[Any], Any]) -> tuple[bool, Any]:
        stats = self.stats["l2"]
        if not self.redis_alias:
            return False, None
        if not self.breaker.allow():
            _count(stats, "l2", "skipped")
            return False, None
        try:
            result = operation(self.client())
        except Exception as exc:  # redis errors, timeouts, refused connections, bad data
            _count(stats, "l2", "errors")
            self.last_error = redis_error_kind(exc)
            self.breaker.failure()
            logger.debug("redis call failed: %s", type(exc).__name__)
            return False, None
        self.breaker.success()
        self.last_error = None
        return True, result

    def l2_get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """ONE round trip (MGET) for all keys; {} when Redis is unavailable."""
        if not keys:
            return {}
        ok, raw = self._l2_call(lambda client: client.mget(keys))
        if not ok:
            return {}
        found: dict[str, dict[str, Any]] = {}
        stats = self.stats["l2"]
        for key, blob in zip(keys, raw, strict=True):
            try:
                value = json.loads(blob) if blob is not None else None
            except ValueError:
                value = None
            if not isinstance(value, dict):
                _count(stats, "l2", "misses")
                continue
            found[key] = value
            _count(stats, "l2", "negative_hits" if value.get("drug") is None else "hits")
        return found

    def l2_set_many(self, values: dict[str, dict[str, Any]]) -> None:
        """ONE pipeline for all values, each with its TTL (found or not found)."""
        if not values:
            return

        def write(client: Any) -> None:
            pipe = client.pipeline(transaction=False)
            for key, value in values.items():
                pipe.set(key, json.dumps(value, separators=(",", ":")), ex=self._ttl_of(value))
            pipe.execute()

        self._l2_call(write)

    def l2_status(self) -> str:
        if not self.redis_alias:
            return "disabled"
        ok, _ = self._l2_call(lambda client: client.ping())
        if ok:
            return "ok"
        return f"unavailable ({self.breaker.state}, {self.last_error or 'unknown'})"

    def l2_info(self) -> dict[str, Any]:
        """Server-side figures of Redis: keyspace hits, misses and hit rate, evicted keys, used and
        maximum memory, keys in the database.  {} when Redis is not configured or does not answer."""
        if not self.redis_alias:
            return {}

        def read(client: Any) -> dict[str, Any]:
            pipe = client.pipeline(transaction=False)  # one round trip
            stats, memory, dbsize = pipe.info("stats").info("memory").dbsize().execute()
            return {**stats, **memory, "dbsize": dbsize}

        ok, info = self._l2_call(read)
        if not ok:
            return {}
        fields = ("keyspace_hits", "keyspace_misses", "evicted_keys", "used_memory", "maxmemory", "dbsize")
        out: dict[str, Any] = {k: info.get(k) for k in fields}
        lookups = int(out["keyspace_hits"] or 0) + int(out["keyspace_misses"] or 0)
        out["hit_rate"] = round(int(out["keyspace_hits"] or 0) / lookups, 4) if lookups else None
        return out

    # --- both tiers -----------------------------------------------------------------------------------
    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """L1, then ONE L2 round trip for the L1 misses (L2 hits are copied to L1)."""
        found = self.l1_get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            from_l2 = self.l2_get_many(missing)
            if from_l2:
                self.l1_set_many(from_l2)
                found.update(from_l2)
        return found

    def set_many(self, values: dict[str, dict[str, Any]]) -> None:
        self.l1_set_many(values)
        self.l2_set_many(values)

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": self.stamp.get(),
            "l1": {**self.stats["l1"].as_dict(), "size": len(self._l1), "enabled": self.l1_enabled},
            "l2": {
                **self.stats["l2"].as_dict(),
                "configured": self.l2_configured,
                "breaker": self.breaker.state,
                "last_error": self.last_error,
            },
        }

    def export_gauges(self) -> None:
        BREAKER_OPEN.set(1 if self.breaker.state != "closed" else 0)


def _read_version() -> int:
    from rxtriage.formulary.selectors import formulary_version_get

    return formulary_version_get(using="default")


def drug_cache_build(conf: LookupSettings | None = None) -> DrugCache:
    """A drug cache configured by ``conf`` (the lookup settings from Django's settings by default)."""
    conf = conf or lookup_settings()
    return DrugCache(
        read_version=_read_version,
        redis_alias=conf.redis_alias,
        prefix=conf.cache_prefix,
        ttl=conf.cache_ttl,
        negative_ttl=conf.cache_negative_ttl,
        l1_size=conf.l1_size,
        version_poll=conf.version_poll,
        breaker_failures=conf.breaker_failures,
        breaker_reset=conf.breaker_reset,
    )


drug_cache = drug_cache_build()
