from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from rxtriage.lookup.cache import drug_cache


class Command(BaseCommand):
    help = (
        "Drug cache statistics of this process (hits, misses, negative hits, errors, breaker state per tier) "
        "and the state of Redis. A running server's own counters are at /metrics."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print only the JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        stats = drug_cache.snapshot()
        stats["l2"]["status"] = drug_cache.l2_status()
        stats["l2"].update(drug_cache.l2_info())
        if options["json"]:
            self.stdout.write(json.dumps(stats))
            return
        self.stdout.write(f"formulary version: {stats['version']}")
        for tier in ("l1", "l2"):
            line = ", ".join(f"{k}={v}" for k, v in stats[tier].items())
            self.stdout.write(f"{tier}: {line}")
