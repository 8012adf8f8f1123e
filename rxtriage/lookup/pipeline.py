"""The matching pipeline of the drug lookup, written once, free of Django and of the database.

:func:`resolve_pending` takes normalised names and a :class:`NameSource`: ONE exact read for every key of
every name, ``resolve_exact``; then ONE fuzzy read for the names still unresolved, ``resolve_fuzzy``.
The product's source is the database (``rxtriage.lookup.engine.DrugLookup``); :class:`MemoryNames` holds
names in memory (the offline evaluation in ``bench/evaluate.py`` runs the same pipeline over it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

from rxtriage.lookup.fuzzy import NameIndex
from rxtriage.lookup.resolve import fuzzy_query_keys, resolve_exact, resolve_fuzzy
from rxtriage.lookup.types import NameRow, Normalized, Resolution

__all__ = [
    "FUZZY_CANDIDATES",
    "MemoryNames",
    "NameSource",
    "index_candidates",
    "merge_candidates",
    "resolve_pending",
]

FUZZY_CANDIDATES = 25  # fuzzy rows retrieved per query key, on either fuzzy backend
K = TypeVar("K")


class NameSource(Protocol):
    """Where the pipeline reads names-index rows from."""

    def exact_rows(self, keys: set[str]) -> dict[str, list[NameRow]]:
        """Every row whose name is one of ``keys``, grouped by name."""
        ...

    def fuzzy_rows(self, queries: list[list[str]]) -> list[list[NameRow]]:
        """For each list of fuzzy query keys, the candidate rows (merged, no duplicates)."""
        ...


def merge_candidates(groups: Iterable[Iterable[NameRow]]) -> list[NameRow]:
    """The rows of every group, each (name, drug) once, in first-seen order."""
    seen: dict[tuple[str, int], NameRow] = {}
    for group in groups:
        for row in group:
            seen.setdefault((row.name, row.drug["id"]), row)
    return list(seen.values())


def resolve_pending(pending: Mapping[K, Normalized], *, source: NameSource) -> dict[K, Resolution]:
    """The matching pipeline: ONE exact read for every key of every name, ``resolve_exact``; then ONE
    fuzzy read for the names still unresolved, ``resolve_fuzzy``."""
    rows = source.exact_rows({k for norm in pending.values() for k in norm.keys})
    out: dict[K, Resolution] = {}
    unresolved: dict[K, Normalized] = {}
    for key, norm in pending.items():
        resolution = resolve_exact(norm, [row for k in norm.keys for row in rows.get(k, ())])
        if resolution is None:
            unresolved[key] = norm
        else:
            out[key] = resolution
    if unresolved:
        candidates = source.fuzzy_rows([fuzzy_query_keys(norm) for norm in unresolved.values()])
        for (key, norm), found in zip(unresolved.items(), candidates, strict=True):
            out[key] = resolve_fuzzy(norm, found)
    return out


class MemoryNames:
    """A :class:`NameSource` over rows held in memory: a dict for exact names, a ``NameIndex`` for fuzzy."""

    def __init__(self, rows: Sequence[NameRow]) -> None:
        exact: dict[str, list[NameRow]] = defaultdict(list)
        for row in rows:
            exact[row.name].append(row)
        self.exact = dict(exact)
        self.index = NameIndex(rows)

    def exact_rows(self, keys: set[str]) -> dict[str, list[NameRow]]:
        return {key: self.exact[key] for key in keys if key in self.exact}

    def fuzzy_rows(self, queries: list[list[str]]) -> list[list[NameRow]]:
        return index_candidates(self.index, queries)


def index_candidates(
    index: NameIndex, queries: list[list[str]], limit: int = FUZZY_CANDIDATES
) -> list[list[NameRow]]:
    """At most ``limit`` names of ``index`` per query key, merged per query."""
    return [merge_candidates(index.search(key, limit) for key in keys) for keys in queries]
