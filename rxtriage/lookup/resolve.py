"""Matching policy: from names-index rows to a resolution.  PLACEHOLDER: being rewritten."""

from __future__ import annotations

from collections.abc import Sequence

from rxtriage.lookup.types import NameRow, Normalized, Resolution

__all__ = ["fuzzy_query_keys", "resolve_exact", "resolve_fuzzy"]

NOT_FOUND = Resolution(match="none", score=0.0, confirm=False, drug=None)


def resolve_exact(norm: Normalized, rows: Sequence[NameRow]) -> Resolution | None:
    for key in norm.keys:
        hits = [r for r in rows if r.name == key]
        if hits:
            return Resolution(match=hits[0].kind, score=1.0, confirm=False, drug=hits[0].drug)
    return None


def fuzzy_query_keys(norm: Normalized) -> list[str]:
    return list(norm.keys[:1])


def resolve_fuzzy(norm: Normalized, candidates: Sequence[NameRow]) -> Resolution:
    return Resolution(match="none", score=0.0, confirm=False, drug=None)
