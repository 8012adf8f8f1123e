"""``python -m bench.warm_replay [--json PATH]``: the shared cache's hit rate in the first minutes after a
formulary version bump, cold, warmed the old way, and warmed by recent demand per hour of the week.

Run from a checkout with ``DATABASE_URL`` and ``REDIS_URL`` set (the bench's own database and Redis
database): everything it writes to the database happens in one transaction that is rolled back, and
its Redis keys carry a prefix of their own and are deleted at the end.

The replay: four weeks of synthetic stored requests whose names follow a Zipf law that changes with the
time of day (morning, afternoon, evening, night each rank the formulary's names differently).  Then,
on a Monday at 08:00, the formulary version is bumped (every cached entry is gone) and the next
``--minutes`` minutes of traffic of that hour are replayed with the in-process cache off, so every name
asks the shared cache (Redis), as a fleet of fresh worker processes would.  Three runs, each after its
own bump: no warming; ``warm_drug_cache`` as it was (the most prescribed medicines by
``prescription_count``, with all their names); and the demand ranking of ``rxtriage.triage.warming``.
Both warmings get the same budget of names.  The figure is the share of names answered by Redis per
minute of replay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import uuid
from pathlib import Path
from typing import Any

__all__ = ["replay"]

REPLAY_AT = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)  # a Monday, 08:00 UTC


def _daypart(hour: int) -> int:
    return 0 if 6 <= hour < 12 else 1 if 12 <= hour < 18 else 2 if 18 <= hour < 23 else 3


class Demand:
    """Zipf demand over a universe of typed names, ranked differently in each part of the day."""

    def __init__(self, names: list[str], seed: int, exponent: float = 1.1) -> None:
        rng = random.Random(seed)
        self.rankings = []
        for _ in range(4):
            ranking = names[:]
            rng.shuffle(ranking)
            self.rankings.append(ranking)
        self.weights = [1.0 / (rank + 1) ** exponent for rank in range(len(names))]
        self.rng = rng

    def draw(self, hour: int, k: int) -> list[str]:
        return self.rng.choices(self.rankings[_daypart(hour)], weights=self.weights, k=k)


def _history(demand: Demand, *, lines_per_hour: int, weeks: int) -> None:
    """Stored requests (one medication each) of the ``weeks`` weeks before ``REPLAY_AT``."""
    from django.contrib.auth import get_user_model

    from rxtriage.triage.models import MedicationLine, PrescriptionRequest

    user, _ = get_user_model().objects.get_or_create(username=f"bench-warm-{uuid.uuid4().hex[:8]}")
    start = REPLAY_AT - dt.timedelta(weeks=weeks)
    for hour in range(weeks * 7 * 24):
        at = start + dt.timedelta(hours=hour)
        names = demand.draw(at.hour, lines_per_hour)
        requests = PrescriptionRequest.objects.bulk_create(
            [
                PrescriptionRequest(requester=user, raw={}, decision={}, route="pharmacist", created_at=at)
                for _ in names
            ]
        )
        MedicationLine.objects.bulk_create(
            [
                MedicationLine(request=r, position=0, name=n, match="brand")
                for r, n in zip(requests, names, strict=True)
            ]
        )


def _replay_minutes(demand: Demand, *, minutes: int, names_per_minute: int, seed: int) -> list[float]:
    """Replay the traffic; the share of names answered by Redis in each minute."""
    from rxtriage.lookup.api import lookup_many
    from rxtriage.lookup.cache import drug_cache

    demand.rng.seed(seed)  # the same traffic in every run
    rates = []
    for _ in range(minutes):
        before = drug_cache.stats["l2"].as_dict()
        names = demand.draw(REPLAY_AT.hour, names_per_minute)
        for start in range(0, len(names), 3):  # requests of three medications
            lookup_many(names=names[start : start + 3])
        after = drug_cache.stats["l2"].as_dict()
        hits = after["hits"] + after["negative_hits"] - before["hits"] - before["negative_hits"]
        asked = hits + after["misses"] - before["misses"]
        rates.append(round(hits / asked, 4) if asked else 0.0)
    return rates


def _bump() -> None:
    from rxtriage.formulary.services import formulary_version_bump
    from rxtriage.lookup.cache import drug_cache

    drug_cache.on_version_change(formulary_version_bump())


def replay(*, minutes: int, names_per_minute: int, budget: int, universe: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from rxtriage.formulary.models import DrugName
    from rxtriage.lookup.cache import drug_cache
    from rxtriage.triage.services import prescription_counts_refresh
    from rxtriage.triage.warming import cache_warm, formulary_names, warm_names

    if not drug_cache.l2_configured:
        raise SystemExit("REDIS_URL is unset: there is no shared cache to replay against")
    saved = (drug_cache.prefix, drug_cache.l1_enabled, drug_cache.stamp.poll)
    drug_cache.prefix = f"benchwarm:{uuid.uuid4().hex[:8]}:"
    drug_cache.l1_enabled, drug_cache.stamp.poll = False, 1e9  # every name asks Redis; no re-read
    runs: dict[str, list[float]] = {}
    try:
        with transaction.atomic():
            all_names = sorted(
                set(DrugName.objects.filter(drug__is_active=True).values_list("text", flat=True))
            )
            names = random.Random(seed).sample(all_names, min(universe, len(all_names)))
            demand = Demand(names, seed)
            _history(demand, lines_per_hour=names_per_minute // 10 or 1, weeks=4)
            prescription_counts_refresh()
            strategies = {
                "cold": lambda: [],
                "prescription_count": lambda: formulary_names(top=budget)[:budget],
                "demand_by_hour_of_week": lambda: warm_names(top=0, days=28, at=REPLAY_AT)[:budget],
            }
            warmed: dict[str, int] = {}
            for label, plan in strategies.items():
                _bump()
                warmed[label] = cache_warm(names=plan())
                runs[label] = _replay_minutes(
                    demand, minutes=minutes, names_per_minute=names_per_minute, seed=seed
                )
            transaction.set_rollback(True)
    finally:
        client = drug_cache.client()
        keys = list(client.scan_iter(match=drug_cache.prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        drug_cache.prefix, drug_cache.l1_enabled, drug_cache.stamp.poll = saved
        drug_cache.stamp.expire()
    return {
        "replay_at": REPLAY_AT.isoformat(),
        "minutes": minutes,
        "names_per_minute": names_per_minute,
        "universe": len(names),
        "warm_budget": budget,
        "warmed_names": warmed,
        "hit_rate_per_minute": runs,
        "hit_rate_first_minute": {k: v[0] for k, v in runs.items()},
        "hit_rate_all_minutes": {k: round(sum(v) / len(v), 4) for k, v in runs.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warm_replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--names-per-minute", type=int, default=300)
    parser.add_argument("--budget", type=int, default=100, help="names each warming may cache")
    parser.add_argument("--universe", type=int, default=600, help="distinct typed names in the demand")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", dest="json_path", metavar="PATH")
    args = parser.parse_args(argv)

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    django.setup()
    from bench.machine import machine_conditions

    result = replay(
        minutes=args.minutes,
        names_per_minute=args.names_per_minute,
        budget=args.budget,
        universe=args.universe,
        seed=args.seed,
    )
    result["machine"] = machine_conditions()
    print(f"{'warming':<24} {'1st minute':>10} {'all minutes':>12}  per minute")
    for label, rates in result["hit_rate_per_minute"].items():
        print(f"{label:<24} {rates[0]:>10.1%} {result['hit_rate_all_minutes'][label]:>12.1%}  {rates}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
