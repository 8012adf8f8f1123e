"""The lookup engine's settings: one frozen object, read once from Django's settings.

Every ``DRUG_*``, ``REDIS_*`` and ``FORMULARY_VERSION_POLL`` setting of the README reaches the engine
through :func:`lookup_settings` (the Redis timeouts through the ``drugs`` cache alias that
``rxtriage.settings`` builds with them); ``tests/lookup/test_settings_reach.py`` changes each one and
watches the behaviour change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from rxtriage.lookup.pipeline import FUZZY_CANDIDATES

__all__ = ["LookupSettings", "lookup_settings"]


@dataclass(frozen=True)
class LookupSettings:
    """What the drug cache and the lookup engine are built from (README, "Configuration")."""

    redis_alias: str | None = None  # the ``drugs`` cache alias when REDIS_URL is set
    cache_prefix: str = "drug:v1:"  # DRUG_CACHE_PREFIX
    cache_ttl: int = 24 * 3600  # DRUG_CACHE_TTL, seconds
    cache_negative_ttl: int = 900  # DRUG_CACHE_NEGATIVE_TTL, seconds
    l1_size: int = 20_000  # DRUG_CACHE_L1_SIZE, entries
    version_poll: float = 0.5  # FORMULARY_VERSION_POLL, seconds
    breaker_failures: int = 3  # REDIS_BREAKER_FAILURES
    breaker_reset: float = 5.0  # REDIS_BREAKER_RESET, seconds
    fuzzy_backend: str = "auto"  # DRUG_FUZZY_BACKEND: auto | trigram | memory
    fuzzy_memory_max_names: int = 10_000  # DRUG_FUZZY_MEMORY_MAX_NAMES
    trigram_threshold: float = 0.4  # DRUG_TRIGRAM_THRESHOLD: pg_trgm similarity of trigram retrieval
    fuzzy_candidates: int = FUZZY_CANDIDATES  # names fetched per fuzzy key (a bound, chosen by measurement)

    def __post_init__(self) -> None:
        if self.fuzzy_backend not in ("auto", "trigram", "memory"):
            raise ValueError(f"DRUG_FUZZY_BACKEND: auto, trigram or memory, not {self.fuzzy_backend!r}")
        if not 0.0 <= self.trigram_threshold <= 1.0:
            raise ValueError(f"DRUG_TRIGRAM_THRESHOLD must be within 0..1, not {self.trigram_threshold}")


def lookup_settings(source: Any = None) -> LookupSettings:
    """The engine's settings from ``source`` (Django's settings by default)."""
    s = settings if source is None else source
    defaults = LookupSettings()
    return LookupSettings(
        redis_alias="drugs" if "drugs" in s.CACHES else None,
        cache_prefix=getattr(s, "DRUG_CACHE_PREFIX", defaults.cache_prefix),
        cache_ttl=getattr(s, "DRUG_CACHE_TTL", defaults.cache_ttl),
        cache_negative_ttl=getattr(s, "DRUG_CACHE_NEGATIVE_TTL", defaults.cache_negative_ttl),
        l1_size=getattr(s, "DRUG_CACHE_L1_SIZE", defaults.l1_size),
        version_poll=getattr(s, "FORMULARY_VERSION_POLL", defaults.version_poll),
        breaker_failures=getattr(s, "REDIS_BREAKER_FAILURES", defaults.breaker_failures),
        breaker_reset=getattr(s, "REDIS_BREAKER_RESET", defaults.breaker_reset),
        fuzzy_backend=getattr(s, "DRUG_FUZZY_BACKEND", defaults.fuzzy_backend),
        fuzzy_memory_max_names=getattr(s, "DRUG_FUZZY_MEMORY_MAX_NAMES", defaults.fuzzy_memory_max_names),
        trigram_threshold=getattr(s, "DRUG_TRIGRAM_THRESHOLD", defaults.trigram_threshold),
    )
