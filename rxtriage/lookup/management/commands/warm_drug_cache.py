from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from rxtriage.formulary.models import Drug
from rxtriage.lookup.api import lookup_many


class Command(BaseCommand):
    help = "Fill the drug cache with the names of the most prescribed medicines (by prescription_count)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--top", type=int, default=500, help="how many medicines (default 500)")
        parser.add_argument("--batch", type=int, default=100, help="names resolved per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        drugs = Drug.objects.filter(is_active=True).order_by("-prescription_count", "generic_name")
        drugs = drugs.prefetch_related("names")[: max(0, options["top"])]
        names = [n.text for drug in drugs for n in drug.names.all()]
        batch = max(1, options["batch"])
        with tqdm(
            total=len(names), desc="warming", unit="name", disable=options["verbosity"] == 0, file=self.stderr
        ) as bar:
            for start in range(0, len(names), batch):
                chunk = names[start : start + batch]
                lookup_many(names=chunk)
                bar.update(len(chunk))
        self.stdout.write(f"warmed {len(names)} names of {len(drugs)} medicines")
