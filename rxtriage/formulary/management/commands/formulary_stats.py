from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from rxtriage.formulary.selectors import formulary_stats


class Command(BaseCommand):
    help = "Counts of the formulary: medicines, names and medicines per schedule."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print only the JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        stats = formulary_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats))
            return
        self.stdout.write(f"medicines: {stats['drugs']}\nnames: {stats['names']}")
        for schedule, count in stats["by_schedule"].items():  # type: ignore[attr-defined]
            self.stdout.write(f"  {schedule}: {count}")
