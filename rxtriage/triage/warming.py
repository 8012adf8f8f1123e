"""Cache warming that matters: fill the cache the servers read, with the names they are about to see.

- Where: the shared L2 (Redis).  Each server process has its own L1, which a warming command in another
  process cannot reach; without Redis there is nothing shared to warm (every process fills its own L1 on
  first use), and :func:`warm_target` says so.
- What: names ranked by recent demand with an hour-of-week profile.  Stored medication lines of the last
  ``days`` days are counted per typed name and per hour of the week (UTC) of their request; the names
  most asked for in the coming hours of this weekday come first, then those most asked for overall, then
  the formulary's own names of the most prescribed medicines.  Only names and counts are read: never who
  asked, never symptoms; the names stay in this process and are not logged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractWeekDay
from django.utils import timezone

from rxtriage.formulary.models import Drug
from rxtriage.lookup.api import lookup_many
from rxtriage.lookup.cache import drug_cache

__all__ = ["cache_warm", "warm_names", "warm_target"]


def warm_target() -> str | None:
    """``None`` when there is a shared cache to warm, else why there is none."""
    if drug_cache.l2_configured:
        return None
    return (
        "nothing shared to warm: REDIS_URL is unset, so every server process keeps its own in-process "
        "cache and fills it on first use; a warm-up run in this process would not reach them"
    )


def _slots(at: dt.datetime, hours: int) -> set[tuple[int, int]]:
    """(Django week day 1=Sunday..7, hour) of ``at`` and the ``hours - 1`` hours after it, in UTC."""
    at = at.astimezone(dt.UTC)
    out = set()
    for step in range(hours):
        moment = at + dt.timedelta(hours=step)
        out.add((moment.isoweekday() % 7 + 1, moment.hour))
    return out


def demand_names(*, days: int, at: dt.datetime, hours: int = 2) -> list[str]:
    """Typed names of the last ``days`` days, most asked for in the next ``hours`` hours of the week
    first, then by their count in the whole window."""
    from rxtriage.triage.models import MedicationLine

    since = at - dt.timedelta(days=days)
    rows = (
        MedicationLine.objects.filter(request__created_at__gte=since, request__created_at__lt=at)
        .exclude(name="")
        .values("name", day=ExtractWeekDay("request__created_at"), hour=ExtractHour("request__created_at"))
        .annotate(n=Count("id"))
        .order_by()
    )
    slots = _slots(at, hours)
    in_slot: Counter[str] = Counter()
    overall: Counter[str] = Counter()
    for row in rows:
        overall[row["name"]] += row["n"]
        if (row["day"], row["hour"]) in slots:
            in_slot[row["name"]] += row["n"]
    return sorted(overall, key=lambda name: (-in_slot[name], -overall[name], name))


def formulary_names(*, top: int) -> list[str]:
    """The names of the ``top`` most prescribed active medicines (generic first, then its other names)."""
    drugs = Drug.objects.filter(is_active=True).order_by("-prescription_count", "generic_name")
    return [n.text for drug in drugs.prefetch_related("names")[: max(0, top)] for n in drug.names.all()]


def warm_names(*, top: int, days: int, at: dt.datetime | None = None) -> list[str]:
    """What to warm, in order: recent demand by hour of the week, then the formulary's top medicines."""
    at = at or timezone.now()
    seen: dict[str, None] = {}
    for name in [*demand_names(days=days, at=at), *formulary_names(top=top)]:
        seen.setdefault(name, None)
    return list(seen)


def cache_warm(*, names: list[str], batch: int = 100, progress: Callable[[int], object] | None = None) -> int:
    """Resolve ``names`` in batches: every one not cached yet is written to L2 (and this process's L1)."""
    for start in range(0, len(names), max(1, batch)):
        chunk = names[start : start + max(1, batch)]
        lookup_many(names=chunk)
        if progress is not None:
            progress(len(chunk))
    return len(names)
