from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from rxtriage.triage.warming import cache_warm, warm_names, warm_target


class Command(BaseCommand):
    help = (
        "Fill the shared drug cache (Redis) with the names servers are about to see: recent demand ranked "
        "by hour of the week, then the names of the most prescribed medicines."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--top", type=int, default=500, help="most prescribed medicines (default 500)")
        parser.add_argument("--days", type=int, default=28, help="days of stored requests to rank by (28)")
        parser.add_argument("--batch", type=int, default=100, help="names resolved per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = warm_target()
        if reason is not None:
            self.stdout.write(reason)
            return
        names = warm_names(top=options["top"], days=options["days"])
        quiet = options["verbosity"] == 0
        with tqdm(total=len(names), desc="warming", unit="name", disable=quiet, file=self.stderr) as bar:
            cache_warm(names=names, batch=options["batch"], progress=bar.update)
        self.stdout.write(f"warmed {len(names)} names into Redis")
