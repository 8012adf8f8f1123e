from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rxtriage.triage.services import prescription_counts_refresh


class Command(BaseCommand):
    help = "Count stored medication lines per medicine into prescription_count (ranks warm_drug_cache --top)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = prescription_counts_refresh()
        self.stdout.write(f"prescription counts updated for {changed} medicines")
