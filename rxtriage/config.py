"""Helpers that read settings from the environment (used by ``rxtriage.settings``)."""

from __future__ import annotations

import os
from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["env_bool", "env_float", "env_int", "env_list", "proxy_ssl_header", "redis_cache"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """Django's ``SECURE_PROXY_SSL_HEADER`` from ``"X-Forwarded-Proto: https"`` (or the WSGI form
    ``"HTTP_X_FORWARDED_PROTO,https"``); ``None`` when unset."""
    raw = raw.strip()
    if not raw:
        return None
    name, sep, value = raw.partition(":") if ":" in raw else raw.partition(",")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise ValueError(
            f"RXTRIAGE_SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https', not {raw!r}"
        )
    meta = name.upper().replace("-", "_")
    return (meta if meta.startswith("HTTP_") else f"HTTP_{meta}", value)


def redis_cache(url: str, connect_timeout: float, socket_timeout: float) -> dict[str, Any]:
    """A django-redis cache on ``url`` with JSON values and short timeouts.

    The short timeouts and no retries bound what a dead or hung Redis costs a request; the drug
    lookup's circuit breaker then stops calling it at all until it answers again.
    """
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
            "SOCKET_CONNECT_TIMEOUT": connect_timeout,
            "SOCKET_TIMEOUT": socket_timeout,
            # redis-py retries failed calls 10 times with backoff by default (seconds per call on a dead
            # server); the lookup's circuit breaker does the retrying instead.
            "CONNECTION_POOL_KWARGS": {"max_connections": 64, "retry": Retry(NoBackoff(), 0)},
        },
        "KEY_FUNCTION": "rxtriage.config.raw_key",
    }


def raw_key(key: str, key_prefix: str, version: int) -> str:
    """Keys are built by the lookup itself (prefix, formulary version, hash); store them as they are."""
    return key
