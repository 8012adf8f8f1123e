"""The floor: what the machine costs before any of our code runs.

- ``redis_get``: one raw redis-py ``GET`` of a value the size of a cached resolution;
- ``redis_mget3``: one raw ``MGET`` of three such keys;
- ``indexed_select``: one bare ``SELECT drug_id FROM formulary_drugname WHERE name = %s`` on the
  database driver's own cursor (the unique btree on the names index serves it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection

from bench.timing import timed
from devtools.stats import summary

__all__ = ["floor_suite"]

_VALUE = json.dumps(
    {
        "match": "generic",
        "score": 1.0,
        "confirm": False,
        "drug": {
            "id": 1, "generic_name": "amoxicillin", "display_name": "Amoxicillin", "schedule": "pom",
            "controlled_basis": None, "high_alert": False, "drug_class": "penicillin", "atc_code": "J01CA04",
            "components": [], "aware": "access", "eml": "core", "pregnancy_avoid": False,
        },
        "candidates": [],
        "note": None,
    },
    separators=(",", ":"),
)  # fmt: skip


def _redis_floor(redis_url: str, prefix: str, iterations: int, seconds: float) -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    keys = [f"{prefix}floor:{i}" for i in range(30)]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.set(key, _VALUE, ex=3600)
    pipe.execute()
    try:
        get = timed(client.get, keys, iterations=iterations, budget_s=seconds, warmup=50)
        triples = [keys[i : i + 3] for i in range(0, 27, 3)]
        mget = timed(client.mget, triples, iterations=iterations, budget_s=seconds, warmup=50)
    finally:
        client.delete(*keys)
        client.close()
    return {"redis_get": summary(get), "redis_mget3": summary(mget)}


def _select_floor(names: Sequence[str], iterations: int, seconds: float) -> dict[str, Any]:
    connection.ensure_connection()
    raw = connection.connection
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    sql = f"SELECT drug_id FROM formulary_drugname WHERE name = {placeholder}"
    cursor = raw.cursor()

    def select(name: str) -> Any:
        cursor.execute(sql, (name,))
        return cursor.fetchall()

    try:
        samples = timed(select, list(names), iterations=iterations, budget_s=seconds, warmup=50)
    finally:
        cursor.close()
    return {"indexed_select": summary(samples)}


def floor_suite(
    *, redis_url: str | None, prefix: str, names: Sequence[str], iterations: int, seconds: float
) -> dict[str, Any]:
    """Raw Redis GET and MGET (when Redis is configured) and a bare indexed SELECT."""
    out: dict[str, Any] = {"redis_get": None, "redis_mget3": None}
    if redis_url:
        out.update(_redis_floor(redis_url, prefix, iterations, seconds))
    out.update(_select_floor(names, iterations, seconds))
    return out
