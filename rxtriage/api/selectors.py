"""Reads behind the drug endpoints (autocomplete search, the full drug record) and of a user's tokens.

Search ranks prefix matches on the names index first (one indexed ``LIKE 'key%'`` query on the name
keys), then fills up with the lookup's fuzzy candidates for what the prefix did not cover.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.functions import Length
from django.utils import timezone
from knox.models import AuthToken

from rxtriage.formulary.models import Drug, DrugName
from rxtriage.lookup.api import lookup_one
from rxtriage.lookup.keys import name_key

__all__ = ["SearchHit", "TokenInfo", "drug_get", "drug_search", "token_list", "user_get"]

_KIND_RANK = {"generic": 0, "brand": 1, "synonym": 2, "co_name": 3, "abbreviation": 4}
_PREFIX_ROWS_PER_RESULT = 4


@dataclass(frozen=True)
class SearchHit:
    """One autocomplete candidate."""

    id: int
    generic_name: str
    display_name: str
    schedule: str
    matched_name: str
    kind: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def drug_get(*, id: int) -> Drug | None:
    """The full formulary record of one medicine, or ``None``."""
    return Drug.objects.filter(pk=id).first()


def _prefix_hits(key: str, limit: int) -> list[SearchHit]:
    rows = (
        DrugName.objects.filter(name__startswith=key, drug__is_active=True)
        .select_related("drug")
        .annotate(length=Length("name"))
        .order_by("length", "name", "drug_id")[: limit * _PREFIX_ROWS_PER_RESULT]
    )

    def rank(row: DrugName) -> tuple[int, int, int, int, str]:
        exact = 0 if row.name == key else 1
        return (exact, len(row.name), _KIND_RANK.get(row.kind, 9), -row.drug.prescription_count, row.name)

    hits: dict[int, SearchHit] = {}
    for row in sorted(rows, key=rank):
        if row.drug_id in hits:
            continue
        hits[row.drug_id] = SearchHit(
            id=row.drug_id,
            generic_name=row.drug.generic_name,
            display_name=row.drug.display_name,
            schedule=row.drug.schedule,
            matched_name=row.text,
            kind=row.kind,
            score=round(min(1.0, len(key) / max(len(row.name), 1)), 4),
        )
    return list(hits.values())[:limit]


def _candidate_id(candidate: dict[str, Any]) -> int | None:
    drug = candidate.get("drug")
    value = drug.get("id") if isinstance(drug, dict) else candidate.get("id", candidate.get("drug_id"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _score(value: Any) -> float:
    try:
        return max(0.0, min(1.0, float(value)))
    except (TypeError, ValueError):
        return 0.0


def _fuzzy_hits(q: str, exclude: set[int], limit: int) -> list[SearchHit]:
    result = lookup_one(q)
    scored: list[tuple[int, float, str, str]] = []
    if result.drug is not None:
        scored.append((result.drug["id"], _score(result.score), result.match, result.normalized))
    for candidate in result.candidates:
        drug_id = _candidate_id(candidate)
        if drug_id is not None:
            name = str(candidate.get("name") or candidate.get("text") or candidate.get("generic_name") or "")
            scored.append((drug_id, _score(candidate.get("score")), "fuzzy", name))
    wanted = [item for item in scored if item[0] not in exclude]
    drugs = Drug.objects.filter(pk__in={item[0] for item in wanted}, is_active=True).in_bulk()
    hits: dict[int, SearchHit] = {}
    for drug_id, score, kind, name in sorted(wanted, key=lambda item: -item[1]):
        drug = drugs.get(drug_id)
        if drug is None or drug_id in hits:
            continue
        hits[drug_id] = SearchHit(
            id=drug.pk,
            generic_name=drug.generic_name,
            display_name=drug.display_name,
            schedule=drug.schedule,
            matched_name=name or drug.display_name,
            kind=kind,
            score=round(score, 4),
        )
    return list(hits.values())[:limit]


def drug_search(*, q: str, limit: int = 10) -> list[SearchHit]:
    """Ranked autocomplete candidates for ``q``: prefix matches first, then fuzzy ones."""
    key = name_key(q)
    if not key:
        return []
    hits = _prefix_hits(key, limit)
    if len(hits) < limit:
        hits += _fuzzy_hits(q, {hit.id for hit in hits}, limit - len(hits))
    return hits


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: its key (the first characters of the token), never the token."""

    prefix: str
    created: datetime
    expiry: datetime | None

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry < timezone.now()


def user_get(*, username: str) -> Any | None:
    """The user called ``username``, or ``None``."""
    user_model = get_user_model()
    return user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()


def token_list(*, user: Any) -> list[TokenInfo]:
    """The tokens of ``user``, oldest first."""
    rows = (
        AuthToken.objects.filter(user=user).order_by("created").values_list("token_key", "created", "expiry")
    )
    return [TokenInfo(prefix=key, created=created, expiry=expiry) for key, created, expiry in rows]
