"""Curation reads: the keys waiting for a pharmacist, and the approved names as shipped-data records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from rxtriage.curation.models import CurationStatus, UnresolvedName
from rxtriage.formulary.models import Drug

__all__ = ["CurationItem", "curation_export", "curation_list"]


@dataclass(frozen=True)
class CurationItem:
    """One counted key, as the list, the JSON output and the console show it."""

    key: str
    count: int
    first_seen: datetime
    last_seen: datetime
    candidates: list[str]
    status: str
    drug: str | None
    kind: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "candidates": list(self.candidates),
            "status": self.status,
            "drug": self.drug,
            "kind": self.kind,
        }


def curation_list(
    *, min_count: int = 1, status: str = CurationStatus.PENDING, limit: int | None = 500
) -> list[CurationItem]:
    """Counted keys with ``status`` (pending by default: decided keys stop showing), most seen first."""
    rows = (
        UnresolvedName.objects.filter(status=status, count__gte=min_count)
        .select_related("drug")
        .order_by("-count", "key")
    )
    return [
        CurationItem(
            key=row.key,
            count=row.count,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            candidates=list(row.candidates or []),
            status=row.status,
            drug=row.drug.generic_name if row.drug else None,
            kind=row.kind,
        )
        for row in (rows[:limit] if limit else rows)
    ]


def _record(drug: Drug, approved: list[UnresolvedName]) -> dict[str, Any]:
    """A medicine as a shipped data record (``rxtriage/formulary/datafile.py``), its approved names in."""
    record: dict[str, Any] = {
        "generic_name": drug.generic_name,
        "display_name": drug.display_name,
        "drug_class": drug.drug_class,
        "atc_code": drug.atc_code,
        "schedule": drug.schedule,
        "controlled_basis": drug.controlled_basis or None,
        "high_alert": drug.high_alert,
    }
    for field in ("brand_names", "search_keywords", "abbreviations", "co_names", "components"):
        if getattr(drug, field):
            record[field] = list(getattr(drug, field))
    record.update(aware=drug.aware or None, eml=drug.eml, pregnancy_avoid=drug.pregnancy_avoid)
    record["source"] = drug.source
    names = ", ".join(f"{row.key} ({row.kind}, seen {row.count} times)" for row in approved)
    curated = f"names approved by pharmacists from traffic, to confirm before shipping: {names}"
    record["review"] = "; ".join(part for part in (drug.review, curated) if part)
    return {k: v for k, v in record.items() if v is not None}


def curation_export() -> str:
    """Every medicine with approved names, as YAML in the shipped data file's format (loadable with
    ``rxtriage load_formulary PATH``, to review and merge into the shipped formulary)."""
    approved = (
        UnresolvedName.objects.filter(status=CurationStatus.APPROVED, drug__isnull=False)
        .select_related("drug")
        .order_by("drug__generic_name", "key")
    )
    by_drug: dict[int, tuple[Drug, list[UnresolvedName]]] = {}
    for row in approved:
        assert row.drug is not None
        by_drug.setdefault(row.drug.pk, (row.drug, []))[1].append(row)
    records = [_record(drug, rows) for drug, rows in by_drug.values()]
    header = "# Names approved by pharmacists from traffic (rxtriage curation export).\n"
    if not records:
        return header + "[]\n"
    return header + yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=110)
