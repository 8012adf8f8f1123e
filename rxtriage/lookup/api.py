"""The drug lookup's public module: typed medication names to formulary records.

:func:`lookup_many` resolves every name of a request at once, through three layers: the cache (L1 in
process, then Redis in ONE round trip), ONE database query on the names index for every cache miss,
then fuzzy matching for the names still unresolved.  Found and not-found results are written back to
both cache tiers.  The engine behind it is ``rxtriage.lookup.engine``; the seed system's names for these
functions live in ``rxtriage.compat``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rxtriage.lookup.cache import drug_cache
from rxtriage.lookup.engine import DrugLookup
from rxtriage.lookup.types import Candidate, DrugInfo, LookupResult

__all__ = [
    "Candidate",
    "DrugInfo",
    "DrugLookup",
    "LookupResult",
    "default_lookup",
    "lookup_many",
    "lookup_one",
]

default_lookup = DrugLookup.from_settings(drug_cache)


def lookup_many(*, names: Sequence[str]) -> list[LookupResult]:
    """Resolve every name, in input order (duplicates kept): one cache round trip, at most one exact
    query for all cache misses, then fuzzy matching for names still unresolved."""
    return default_lookup.lookup_many(names=names)


def lookup_one(*, name: str) -> LookupResult:
    """Resolve one name (see :func:`lookup_many`)."""
    return default_lookup.lookup_one(name=name)
