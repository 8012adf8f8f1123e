"""Curation writes: count names from traffic, approve a key as a name of a medicine, reject it.

- :func:`unresolved_names_record` counts, in the request path, every name that resolved to nothing or
  needs confirmation: ONE upsert statement (``INSERT ... ON CONFLICT (key) DO UPDATE SET count = count +
  n``, on SQLite and PostgreSQL alike), in a savepoint of the request's own transaction, so it adds no
  commit of its own: a failure rolls back the savepoint only, is logged and never reaches the request.
  Only the normalised key is stored: never who typed it, never the request.
- :func:`curation_approve` adds the key to a medicine's brands, other names or abbreviations through the
  formulary write path (``drug_save``: names index rebuilt, formulary version bumped), so every worker
  resolves it within a second; :func:`curation_reject` records the key as not a medicine.  A decided
  key stops showing in :func:`rxtriage.curation.selectors.curation_list`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from rxtriage.curation.models import CurationKind, CurationStatus, UnresolvedName
from rxtriage.formulary.models import Drug, DrugName
from rxtriage.formulary.services import drug_save
from rxtriage.lookup.keys import name_key
from rxtriage.lookup.types import LookupResult

__all__ = [
    "KIND_FIELDS",
    "CurationError",
    "curation_approve",
    "curation_key",
    "curation_reapply",
    "curation_reject",
    "unresolved_names_record",
]

logger = logging.getLogger(__name__)

MAX_CANDIDATES = 3
# notes whose names are already decided by the shipped data and that an approval could not change:
# listed non-medicines, error-prone abbreviations (always refused) and names of two medicines
_NOT_COUNTED = frozenset({"not_a_medicine", "empty", "error_prone_abbreviation", "ambiguous"})
# the Drug field an approved key is added to, by kind
KIND_FIELDS = {
    CurationKind.BRAND: "brand_names",
    CurationKind.SYNONYM: "search_keywords",
    CurationKind.ABBREVIATION: "abbreviations",
}

_UPSERT_SQL = """
INSERT INTO curation_unresolvedname ("key", "count", first_seen, last_seen, candidates, last_match, status,
                                     kind, decided_by)
VALUES {rows}
ON CONFLICT ("key") DO UPDATE SET
    "count" = curation_unresolvedname."count" + excluded."count",
    last_seen = excluded.last_seen,
    candidates = excluded.candidates,
    last_match = excluded.last_match
"""


class CurationError(ValueError):
    """A curation decision that cannot be made (unknown medicine, a key naming another medicine...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def curation_key(*, text: str) -> str:
    """The key a typed name is counted and approved under: the cleaned name's names-index key without
    bare numbers ("lumerax 80/480" -> "lumerax"), so strengths of one brand count together."""
    key = name_key(text)
    words = [w for w in key.split() if not w.isdigit()]
    return (" ".join(words) if words else key)[:200]


def _needs_curation(result: LookupResult) -> bool:
    return (result.drug is None or result.confirm) and result.note not in _NOT_COUNTED


def _candidates(result: LookupResult) -> list[str]:
    names = [result.drug["generic_name"]] if result.drug else []
    names += [c["generic_name"] for c in result.candidates if c.get("generic_name") not in names]
    return names[:MAX_CANDIDATES]


@dataclass
class _Seen:
    count: int
    candidates: list[str]
    match: str


def unresolved_names_record(*, results: Sequence[LookupResult]) -> int:
    """Count the names of one request that resolved to nothing or need confirmation (one statement).

    Returns the number of distinct keys counted; never raises (a failure is logged without the names).
    """
    seen: dict[str, _Seen] = {}
    for result in results:
        key = curation_key(text=result.normalized) if _needs_curation(result) else ""
        if not key:
            continue
        if key in seen:
            seen[key].count += 1
        else:
            seen[key] = _Seen(1, _candidates(result), result.match[:20])
    if not seen:
        return 0
    try:
        _upsert(seen)
    except Exception:  # counting must never break or slow down the request it came with
        logger.warning("curation: counting %d unresolved name(s) failed", len(seen), exc_info=True)
        return 0
    return len(seen)


def _upsert(seen: dict[str, _Seen]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    as_json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    row = f"(%s, %s, %s, %s, {as_json}, %s, %s, '', '')"
    params: list[Any] = []
    for key, item in sorted(seen.items()):  # one lock order for every request: no deadlocks
        params += [key, item.count, now, now, json.dumps(item.candidates), item.match, CurationStatus.PENDING]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL.format(rows=", ".join([row] * len(seen))), params)


def _name_add(drug: Drug, key: str, kind: str) -> bool:
    """Add ``key`` to the drug's names of ``kind`` (not saved); False when it is there already."""
    field = KIND_FIELDS[CurationKind(kind)]
    names = list(getattr(drug, field) or [])
    if key in {name_key(n) for n in names}:
        return False
    setattr(drug, field, [*names, key])
    return True


def _decided(key: str) -> UnresolvedName:
    now = timezone.now()
    row, _ = UnresolvedName.objects.select_for_update().get_or_create(
        key=key, defaults={"first_seen": now, "last_seen": now}
    )
    return row


def _clean_key(key: str) -> str:
    cleaned = name_key(key)[:200]
    if not cleaned:
        raise CurationError("invalid_key", "The key is empty once normalised.")
    return cleaned


@transaction.atomic
def curation_approve(
    *, key: str, generic_name: str, kind: str = CurationKind.BRAND, decided_by: str = ""
) -> UnresolvedName:
    """Approve ``key`` as a name (brand, synonym or abbreviation) of the medicine ``generic_name``.

    The name is added through the formulary write path, so the names index and the formulary version
    change in this transaction and every worker resolves the key within a second of the commit.
    """
    key = _clean_key(key)
    if kind not in KIND_FIELDS:
        raise CurationError("invalid_kind", f"kind must be one of {', '.join(KIND_FIELDS)}.")
    drug = Drug.objects.select_for_update().filter(generic_name=generic_name.strip().lower()).first()
    if drug is None or not drug.is_active:
        raise CurationError("unknown_drug", f"No active medicine has the generic name '{generic_name}'.")
    other = (
        DrugName.objects.filter(name=key)
        .exclude(drug=drug)
        .values_list("drug__generic_name", flat=True)
        .first()
    )
    if other:
        raise CurationError("key_names_another_medicine", f"'{key}' already names {other}.")
    if _name_add(drug, key, kind):
        drug_save(drug=drug)
    row = _decided(key)
    row.status, row.drug, row.kind = CurationStatus.APPROVED, drug, kind
    row.decided_at, row.decided_by = timezone.now(), decided_by[:150]
    row.save()
    return row


@transaction.atomic
def curation_reject(*, key: str, decided_by: str = "") -> UnresolvedName:
    """Record ``key`` as not a name of a medicine: it stops showing in the curation list."""
    row = _decided(_clean_key(key))
    if row.status == CurationStatus.APPROVED:
        raise CurationError("already_approved", f"'{row.key}' was approved as a name of a medicine.")
    row.status, row.drug, row.kind = CurationStatus.REJECTED, None, ""
    row.decided_at, row.decided_by = timezone.now(), decided_by[:150]
    row.save()
    return row


@transaction.atomic
def curation_reapply() -> int:
    """Put approved names back on their medicines after a formulary load replaced the names lists
    (until they are merged into the shipped data).  Returns the number of medicines changed."""
    approved = UnresolvedName.objects.filter(status=CurationStatus.APPROVED, drug__is_active=True)
    changed: dict[int, Drug] = {}
    for row in approved.select_related("drug"):
        assert row.drug is not None
        drug = changed.get(row.drug.pk, row.drug)
        if _name_add(drug, row.key, row.kind or CurationKind.BRAND):
            changed[drug.pk] = drug
    for drug in changed.values():
        drug_save(drug=drug)
    return len(changed)
