"""The drug lookup engine: typed medication names to formulary records, through three layers.

1. cache: L1 in process, then L2 Redis in ONE round trip (``rxtriage.lookup.cache``);
2. database: ONE query on the names index for every exact-match candidate of every cache miss that may
   be a name (none when a Bloom filter of the names, kept in process per formulary version, says none is);
3. fuzzy: for names still unresolved, on PostgreSQL at scale the one-slip neighbours (a GIN index of
   each name's deletion variants), else trigram ``%`` (GIN index); rapidfuzz in process otherwise.

Found and not-found results are written back to both cache tiers.  Concurrent misses for one name in
one process cause one database query, not one per caller (single flight).

The matching pipeline itself is ``rxtriage.lookup.pipeline.resolve_pending``; :class:`DrugLookup` is its
:class:`~rxtriage.lookup.pipeline.NameSource` over the database.

Callers use the facade, ``rxtriage.lookup.api``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from rbloom import Bloom

from rxtriage.formulary.models import DrugName
from rxtriage.formulary.routers import with_replica_fallback
from rxtriage.lookup.cache import DrugCache
from rxtriage.lookup.conf import LookupSettings, lookup_settings
from rxtriage.lookup.fuzzy import NameIndex, trigram_threshold
from rxtriage.lookup.normalize import normalize
from rxtriage.lookup.pipeline import FUZZY_CANDIDATES, index_candidates, merge_candidates, resolve_pending
from rxtriage.lookup.resolve import resolve_fuzzy
from rxtriage.lookup.types import DrugInfo, LookupResult, NameRow, Normalized, Resolution
from rxtriage.metrics import CACHE_LATENCY, LOOKUP_RESULTS

__all__ = ["DrugLookup", "KnownNames"]

T = TypeVar("T")


_ROW_SQL = """n.name, n.kind, d.id, d.generic_name, d.display_name, d.schedule, d.controlled_basis,
       d.high_alert, d.drug_class, d.atc_code, d.components, d.aware, d.eml, d.pregnancy_avoid"""
# The exact tier's one query, written out: compiling the equivalent ORM query cost ~0.4 ms, twice the
# indexed query itself.  ``{names}`` is ``= ANY(%s)`` (one array parameter) on PostgreSQL, ``IN (%s, ...)``
# elsewhere.
_ACTIVE_ROWS_SQL = f"""
SELECT {_ROW_SQL}
FROM formulary_drugname n JOIN formulary_drug d ON d.id = n.drug_id
WHERE d.is_active"""
_EXACT_SQL = _ACTIVE_ROWS_SQL + " AND n.name {names}"
# Every name of the names index, active or not (see ``KnownNames``).
_ALL_NAMES_SQL = "SELECT name FROM formulary_drugname"
# The fuzzy tier's one query, per key (formulary migrations 0006 and 0007 define the functions and
# indexes):
# 1. the names one slip from the key: those sharing a bucket of ``rxtriage_name_variant_buckets`` with it
#    (its GIN index: a few lookups however many names share the key's stem; two names one slip apart
#    share a deletion variant, hence its bucket), kept if ``rxtriage_one_slip`` (after a length check that
#    drops most names that only share a bucket without calling it);
# 2. when there are some, also the names that begin with the key (5+ letters; a range of the pattern
#    btree, whose operators compare bytes, so it holds in any collation): a
#    name typed short ("trevo" for a "trevolol", beside the one-slip "trevon") must stay a candidate;
# 3. when there are none, pg_trgm's ``%`` (trigram GIN index) at the key's
#    ``pg_trgm.similarity_threshold``, set per key (``set_config(..., true)``: for this statement's
#    transaction only) in a lateral step the scans depend on, so no BEGIN/SET/COMMIT round trips.
# The one-slip names of active medicines are gathered first (``n1``) so the other two steps can depend on
# whether there are any; each one's medicine is read by its key (a subquery, which the planner cannot turn
# into a hash join over every medicine: at 100,000 medicines it did, 27 ms a statement instead of 2).
# Each step brings at most ``LIMIT`` names (one-slip names by name, the names a key begins shortest first,
# trigram the most similar first); the matching policy re-ranks them all.
_FUZZY_SQL = f"""
SELECT q.ord, {_ROW_SQL}
FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(key, threshold, ord)
CROSS JOIN LATERAL (
    SELECT set_config('pg_trgm.similarity_threshold', q.threshold, true) AS threshold
) t
CROSS JOIN LATERAL (
    SELECT array_agg(v.id ORDER BY v.name, v.id) AS ids
    FROM formulary_drugname v
    WHERE rxtriage_name_variant_buckets(v.name) && rxtriage_name_variant_buckets(q.key)
      AND char_length(v.name) BETWEEN char_length(q.key) - 1 AND char_length(q.key) + 1
      AND rxtriage_one_slip(v.name, q.key)
      AND (SELECT dv.is_active FROM formulary_drug dv WHERE dv.id = v.drug_id)
) n1
CROSS JOIN LATERAL (
    (SELECT n.name, n.kind, n.drug_id
     FROM formulary_drugname n
     WHERE n.id = ANY(n1.ids[1:%s]))
    UNION ALL
    (SELECT n.name, n.kind, n.drug_id
     FROM formulary_drugname n
     WHERE n1.ids IS NOT NULL AND char_length(q.key) >= 5
       AND n.name::text ~>=~ q.key AND n.name::text ~<~ (q.key || chr(1114111)) AND starts_with(n.name, q.key)
     ORDER BY char_length(n.name), n.name
     LIMIT %s)
    UNION ALL
    (SELECT n.name, n.kind, n.drug_id
     FROM formulary_drugname n
     WHERE n1.ids IS NULL AND t.threshold IS NOT NULL AND n.name %% q.key
     ORDER BY similarity(n.name, q.key) DESC, n.name
     LIMIT %s)
) n
JOIN formulary_drug d ON d.id = n.drug_id AND d.is_active
"""


def fuzzy_params(keys: list[str], thresholds: list[str], limit: int) -> list[Any]:
    """The parameters of ``_FUZZY_SQL``: the keys, their trigram thresholds, the limit of each step."""
    return [keys, thresholds, limit, limit, limit]


_DRUG_COLUMNS = (
    "id",
    "generic_name",
    "display_name",
    "schedule",
    "controlled_basis",
    "high_alert",
    "drug_class",
    "atc_code",
    "components",
    "aware",
    "eml",
    "pregnancy_avoid",
)


_TIER_LATENCY = {tier: CACHE_LATENCY.labels(tier=tier) for tier in ("cache", "db", "fuzzy")}
_MATCHES = ("generic", "brand", "synonym", "co_name", "abbreviation", "fuzzy", "none")
_MATCH_COUNTERS = {match: LOOKUP_RESULTS.labels(match=match) for match in _MATCHES}


@dataclass
class _Flight:
    event: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None


class _PerVersion(Generic[T]):
    """A value this process derives from the formulary, built once per formulary version (the first
    caller of a new version builds it; the others wait for it)."""

    def __init__(self) -> None:
        self._slot: tuple[int, T] | None = None
        self._lock = threading.Lock()

    def get(self, version: int, build: Callable[[], T]) -> T:
        current = self._slot
        if current is not None and current[0] == version:
            return current[1]
        with self._lock:
            if self._slot is None or self._slot[0] != version:
                self._slot = (version, build())
            return self._slot[1]

    def clear(self) -> None:
        with self._lock:
            self._slot = None


def _name_row(row: Sequence[Any]) -> NameRow:
    """A ``NameRow`` from (name, kind, *_DRUG_COLUMNS)."""
    values = dict(zip(_DRUG_COLUMNS, row[2:], strict=True))
    values["controlled_basis"] = values["controlled_basis"] or None
    values["aware"] = values["aware"] or None
    components = values["components"] or []
    values["components"] = list(json.loads(components) if isinstance(components, str) else components)
    return NameRow(name=row[0], kind=row[1], drug=DrugInfo(**values))  # type: ignore[typeddict-item]


def _read_connection() -> BaseDatabaseWrapper:
    """The connection the formulary is read from (a replica, when the router sends reads there)."""
    return connections[router.db_for_read(DrugName) or "default"]


def _fetch_rows(sql: str, params: Sequence[Any]) -> list[NameRow]:
    """Run one names-index query (``_ROW_SQL`` columns) on the formulary's read database."""
    with _read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return [_name_row(row) for row in cursor.fetchall()]


class KnownNames:
    """Which strings may be names of the names index: a Bloom filter of them (``rbloom``; 0.4 MB and about
    20 ms to build at 335,000 names, against some 30 MB for a set of their hashes).

    It lets a lookup skip the exact query when no exact key of a typed name is a name (a typo, a
    non-medicine).  A Bloom filter has no false negatives: a key it reports absent is absent.  A false
    positive (``FALSE_POSITIVE_RATE``) only costs the query the lookup made before there was a filter.
    """

    FALSE_POSITIVE_RATE = 0.01

    def __init__(self, names: Iterable[str], expected: int) -> None:
        self._filter = Bloom(max(expected, 1), self.FALSE_POSITIVE_RATE)
        self._filter.update(names)

    def __contains__(self, name: object) -> bool:
        return name in self._filter


class DrugLookup:
    """The lookup engine over the database (a ``NameSource`` of the pipeline); ``cache`` and ``timer`` are
    attributes so tests can swap them."""

    timer: Callable[[], float] = time.perf_counter

    def __init__(
        self,
        cache: DrugCache,
        fuzzy_backend: str = "auto",
        memory_max_names: int = 10_000,
        trigram_threshold: float = 0.4,
        fuzzy_candidates: int = FUZZY_CANDIDATES,
    ) -> None:
        self.cache = cache
        self.fuzzy_backend = fuzzy_backend
        self.memory_max_names = memory_max_names
        self.trigram_threshold = trigram_threshold
        self.fuzzy_candidates = fuzzy_candidates
        self._flights: dict[str, _Flight] = {}
        self._flights_lock = threading.Lock()
        self._trigram: _PerVersion[bool] = _PerVersion()
        self._index: _PerVersion[NameIndex] = _PerVersion()
        self._known: _PerVersion[KnownNames] = _PerVersion()

    @classmethod
    def from_settings(cls, cache: DrugCache, conf: LookupSettings | None = None) -> DrugLookup:
        """A lookup on ``cache`` configured by ``conf`` (the lookup settings from Django's by default)."""
        conf = conf or lookup_settings()
        return cls(
            cache,
            fuzzy_backend=conf.fuzzy_backend,
            memory_max_names=conf.fuzzy_memory_max_names,
            trigram_threshold=conf.trigram_threshold,
            fuzzy_candidates=conf.fuzzy_candidates,
        )

    # --- public ---------------------------------------------------------------------------------------
    def lookup_many(self, *, names: Sequence[str]) -> list[LookupResult]:
        norms = [normalize(name) for name in names]
        version = self.cache.version()
        keys = [self.cache.key(n.cache_text, version) if n.keys else "" for n in norms]
        pending = {key: norm for key, norm in zip(keys, norms, strict=True) if key}
        start = self.timer()
        found = self.cache.get_many(list(pending))
        _TIER_LATENCY["cache"].observe(self.timer() - start)
        missing = {key: norm for key, norm in pending.items() if key not in found}
        if missing:
            found.update(with_replica_fallback(lambda: self._resolve_missing(missing)))
        results = [self._result(norm, found.get(key)) for key, norm in zip(keys, norms, strict=True)]
        for result in results:
            counter = _MATCH_COUNTERS.get(result.match)
            (counter or LOOKUP_RESULTS.labels(match=result.match)).inc()
        return results

    def lookup_one(self, *, name: str) -> LookupResult:
        return self.lookup_many(names=[name])[0]

    def prepare(self) -> None:
        """Build what this process keeps of the formulary's current version (its known names, the fuzzy
        backend's choice and, where the fuzzy tier runs in process, its name index), so the first cold
        lookup does not pay for it."""

        def build() -> None:
            self._known_names()
            if not self._use_trigram():
                self._name_index()

        with_replica_fallback(build)

    def forget_local(self) -> None:
        """Drop what this process derived from the formulary (its known names, the fuzzy index, the fuzzy
        backend's choice); each is rebuilt on next use.  Versions only grow in service; a test whose
        transaction rolls back can bring a version number back with other names behind it."""
        for derived in (self._known, self._index, self._trigram):
            derived.clear()

    # --- tiers ----------------------------------------------------------------------------------------
    def _result(self, norm: Normalized, cached: dict[str, Any] | None) -> LookupResult:
        resolution = Resolution.from_dict(cached) if cached else resolve_fuzzy(norm, [])
        return LookupResult(
            input=norm.input,
            normalized=norm.text,
            match=resolution.match,
            score=resolution.score,
            confirm=resolution.confirm,
            drug=resolution.drug,
            candidates=resolution.candidates,
            note=resolution.note,
            strength_mg=norm.strength_mg,
            form=norm.form,
            strength=norm.strength,
        )

    def _resolve_missing(self, missing: dict[str, Normalized]) -> dict[str, dict[str, Any]]:
        """Single flight: this thread resolves the keys nobody else is resolving, waits for the rest."""
        lead: dict[str, Normalized] = {}
        follow: dict[str, _Flight] = {}
        with self._flights_lock:
            for key, norm in missing.items():
                flight = self._flights.get(key)
                if flight is None:
                    self._flights[key] = _Flight()
                    lead[key] = norm
                else:
                    follow[key] = flight
        out: dict[str, dict[str, Any]] = {}
        try:
            if lead:
                out = self._resolve_from_database(lead)
                self.cache.set_many(out)
        finally:
            with self._flights_lock:
                for key in lead:
                    flight = self._flights.pop(key)
                    flight.result = out.get(key)
                    flight.event.set()
        late: dict[str, Normalized] = {}
        for key, flight in follow.items():
            flight.event.wait(timeout=10)
            if flight.result is None:
                late[key] = missing[key]
            else:
                out[key] = flight.result
        if late:  # the leader failed: resolve them here
            out.update(self._resolve_from_database(late))
        return out

    def _resolve_from_database(self, pending: dict[str, Normalized]) -> dict[str, dict[str, Any]]:
        resolved = resolve_pending(pending, source=self)
        return {key: resolution.as_dict() for key, resolution in resolved.items()}

    def exact_rows(self, keys: set[str]) -> dict[str, list[NameRow]]:
        """ONE indexed query: every names-index row whose name is one of ``keys``; none when no key is a
        name (see :class:`KnownNames`)."""
        start = self.timer()
        names = self._known_names()
        known = {key for key in keys if key in names}
        if not known:
            return {}
        rows = self._exact_rows(known)
        _TIER_LATENCY["db"].observe(self.timer() - start)
        return rows

    def fuzzy_rows(self, queries: list[list[str]]) -> list[list[NameRow]]:
        """The fuzzy candidates of each query: trigram on PostgreSQL at scale, the in-process index
        otherwise (see :meth:`_use_trigram`)."""
        start = self.timer()
        if self._use_trigram():
            rows = self._trigram_candidates(queries)
        else:
            rows = index_candidates(self._name_index(), queries, self.fuzzy_candidates)
        _TIER_LATENCY["fuzzy"].observe(self.timer() - start)
        return rows

    def _exact_rows(self, keys: set[str]) -> dict[str, list[NameRow]]:
        rows: dict[str, list[NameRow]] = defaultdict(list)
        if not keys:
            return rows
        names = sorted(keys)
        params: list[Any]
        if _read_connection().vendor == "postgresql":
            sql, params = _EXACT_SQL.format(names="= ANY(%s)"), [names]
        else:
            sql, params = _EXACT_SQL.format(names=f"IN ({', '.join(['%s'] * len(names))})"), list(names)
        for name_row in _fetch_rows(sql, params):
            rows[name_row.name].append(name_row)
        return rows

    def _known_names(self) -> KnownNames:
        """Every name of the names index (active or not) as :class:`KnownNames`, rebuilt when the formulary
        version changes: adding or renaming a name bumps the version, and the replica router reads only
        from a replica that has replayed it."""

        def build() -> KnownNames:
            with _read_connection().cursor() as cursor:
                cursor.execute(_ALL_NAMES_SQL)
                rows = cursor.fetchall()
            return KnownNames((row[0] for row in rows), expected=len(rows))

        return self._known.get(self.cache.version(), build)

    # --- fuzzy ----------------------------------------------------------------------------------------
    def _use_trigram(self) -> bool:
        """``trigram`` on PostgreSQL when the names index is large; rapidfuzz in process otherwise.

        At a few thousand names PostgreSQL's planner rightly prefers a sequential scan for ``%``
        (about 9 ms here), while the in-process index answers in well under 1 ms; past
        ``DRUG_FUZZY_MEMORY_MAX_NAMES`` names (10,000) the trigram GIN index wins and keeps each
        worker's memory flat (the in-process index of 40,000 names costs ~200 MB a worker).
        """
        if self.fuzzy_backend in ("trigram", "memory"):
            return self.fuzzy_backend == "trigram"
        if _read_connection().vendor != "postgresql":
            return False
        return self._trigram.get(
            self.cache.version(),
            lambda: DrugName.objects.filter(drug__is_active=True).count() > self.memory_max_names,
        )

    def _trigram_candidates(self, queries: list[list[str]]) -> list[list[NameRow]]:
        """ONE query for every fuzzy key: the names one slip from it and those it begins, else the trigram
        ``%`` operator (see ``_FUZZY_SQL``)."""
        flat = [(i, key) for i, keys in enumerate(queries) for key in keys if key]
        grouped: list[list[NameRow]] = [[] for _ in queries]
        if not flat:
            return grouped
        with _read_connection().cursor() as cursor:
            keys = [key for _, key in flat]
            thresholds = [str(trigram_threshold(key, floor=self.trigram_threshold)) for key in keys]
            cursor.execute(_FUZZY_SQL, fuzzy_params(keys, thresholds, self.fuzzy_candidates))
            fetched = cursor.fetchall()
        for row in fetched:
            grouped[flat[int(row[0]) - 1][0]].append(_name_row(row[1:]))
        return [merge_candidates([group]) for group in grouped]

    def _name_index(self) -> NameIndex:
        """The in-process fuzzy index of every active name, rebuilt when the formulary version changes."""
        return self._index.get(self.cache.version(), lambda: NameIndex(_fetch_rows(_ACTIVE_ROWS_SQL, [])))
