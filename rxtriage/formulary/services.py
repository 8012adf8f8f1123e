"""Formulary writes.  Every write keeps the names index and the formulary version in step with
``Drug`` inside one transaction, and tells the drug cache once the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from rxtriage.formulary.datafile import DrugRecord, record_names
from rxtriage.formulary.models import Drug, DrugName, FormularyVersion

__all__ = [
    "LoadSummary",
    "drug_delete",
    "drug_save",
    "drug_upsert_many",
    "formulary_loaded",
    "formulary_version_bump",
    "on_version_change",
]

logger = logging.getLogger(__name__)

_listeners: list[Callable[[int], None]] = []

# Sent by ``drug_upsert_many`` inside its transaction when a load changed the formulary, so names kept
# outside the data files (the curation loop's approved names) can be put back on the loaded records.
formulary_loaded = Signal()


def on_version_change(listener: Callable[[int], None]) -> None:
    """Call ``listener(version)`` after each committed formulary write (the lookup's cache uses it)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(version: int) -> None:
    for listener in _listeners:
        try:
            listener(version)
        except Exception:  # a listener must never undo a committed write
            logger.exception("formulary version listener failed")


def formulary_version_bump() -> int:
    """Increase the formulary version; call inside the write's transaction."""
    updated = FormularyVersion.objects.filter(id=1).update(version=F("version") + 1)
    if not updated:
        FormularyVersion.objects.get_or_create(id=1, defaults={"version": 2})
    version = FormularyVersion.objects.values_list("version", flat=True).get(id=1)
    transaction.on_commit(lambda: _notify(version))
    return version


def _name_rows(drug: Drug) -> list[DrugName]:
    record = DrugRecord(
        generic_name=drug.generic_name,
        display_name=drug.display_name,
        drug_class=drug.drug_class,
        atc_code=drug.atc_code,
        schedule=drug.schedule,
        source=drug.source,
        brand_names=tuple(drug.brand_names or ()),
        search_keywords=tuple(drug.search_keywords or ()),
        abbreviations=tuple(drug.abbreviations or ()),
        co_names=tuple(drug.co_names or ()),
    )
    return [
        DrugName(name=e.key[:200], text=e.text[:200], kind=e.kind, drug=drug) for e in record_names(record)
    ]


def _names_sync(drugs: Iterable[Drug]) -> None:
    drugs = list(drugs)
    DrugName.objects.filter(drug__in=drugs).delete()
    DrugName.objects.bulk_create([row for drug in drugs for row in _name_rows(drug)], batch_size=1000)


@transaction.atomic
def drug_save(*, drug: Drug) -> Drug:
    """Save one medicine (new or changed), rebuild its names and bump the version."""
    drug.generic_name = drug.generic_name.strip().lower()
    drug.full_clean()
    drug.save()
    _names_sync([drug])
    formulary_version_bump()
    return drug


@transaction.atomic
def drug_delete(*, drug: Drug) -> None:
    """Delete one medicine (its names go with it) and bump the version."""
    drug.delete()
    formulary_version_bump()


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    names: int = 0
    version: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


# Every field a data record sets, but the key itself.
_COMPARED = tuple(name for name in DrugRecord.model_field_names() if name != "generic_name")


def _differs(drug: Drug, fields: dict[str, Any]) -> bool:
    return not drug.is_active or any(getattr(drug, name) != fields[name] for name in _COMPARED)


def _history_many(*, created: list[Drug], changed: list[Drug], reason: str) -> None:
    """The audit rows of a bulk load, written in bulk too (one insert per 500 rows): bulk writes send
    no model signals, so django-simple-history would otherwise record nothing."""
    if created:
        Drug.history.bulk_history_create(created, batch_size=500, default_change_reason=reason)
    if changed:
        Drug.history.bulk_history_create(changed, batch_size=500, update=True, default_change_reason=reason)


@transaction.atomic
def drug_upsert_many(
    *,
    records: list[DrugRecord],
    deactivate_missing: bool = False,
    progress: Callable[[int], object] | None = None,
    reason: str = "formulary load",
) -> LoadSummary:
    """Upsert medicines from data records, idempotently, with one history row per medicine changed.

    A second run with the same records changes nothing, writes no history and does not bump the
    version.  ``deactivate_missing`` marks active medicines absent from ``records`` inactive.
    """
    summary = LoadSummary()
    existing = {d.generic_name: d for d in Drug.objects.select_for_update()}
    to_create: list[Drug] = []
    to_update: list[Drug] = []
    for record in records:
        fields = record.as_model_fields()
        drug = existing.get(record.generic_name)
        if drug is None:
            to_create.append(Drug(**fields))
        elif _differs(drug, fields):
            for name, value in fields.items():
                setattr(drug, name, value)
            drug.is_active = True
            drug.updated_at = timezone.now()
            to_update.append(drug)
        else:
            summary.unchanged += 1
        if progress:
            progress(1)
    created = Drug.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Drug.objects.bulk_update(to_update, [*_COMPARED, "is_active", "updated_at"], batch_size=500)
    summary.created, summary.updated = len(created), len(to_update)
    if created and created[0].pk is None:  # backends that do not return ids from bulk inserts
        created = list(Drug.objects.filter(generic_name__in=[d.generic_name for d in created]))
    stale: list[Drug] = []
    if deactivate_missing:
        wanted = {r.generic_name for r in records}
        stale = [d for name, d in existing.items() if name not in wanted and d.is_active]
        summary.deactivated = Drug.objects.filter(pk__in=[d.pk for d in stale]).update(is_active=False)
        for drug in stale:
            drug.is_active = False
    _history_many(created=created, changed=[*to_update, *stale], reason=reason)
    if created or to_update:
        _names_sync([*created, *to_update])
    if summary.changed:
        formulary_loaded.send(sender=Drug)
        summary.version = formulary_version_bump()
    summary.names = DrugName.objects.count()
    return summary
