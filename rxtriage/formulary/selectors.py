"""Formulary reads."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from rxtriage.formulary.models import Drug, DrugName, FormularyVersion

__all__ = ["drug_list_active", "formulary_stats", "formulary_version_get"]


def formulary_version_get(*, using: str = "default") -> int:
    """The current formulary version (1 when nothing was ever written)."""
    version = FormularyVersion.objects.using(using).values_list("version", flat=True).first()
    return int(version or 1)


def drug_list_active() -> QuerySet[Drug]:
    return Drug.objects.filter(is_active=True)


def formulary_stats() -> dict[str, object]:
    """Counts of the active formulary: medicines, index names, medicines per schedule."""
    active = drug_list_active()
    by_schedule = {
        row["schedule"]: row["n"]
        for row in active.values("schedule").annotate(n=Count("id")).order_by("schedule")
    }
    return {
        "drugs": active.count(),
        "names": DrugName.objects.filter(drug__is_active=True).values("name").distinct().count(),
        "by_schedule": by_schedule,
    }
