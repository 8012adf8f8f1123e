from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from rxtriage.formulary.services import formulary_version_bump


class Command(BaseCommand):
    help = "Invalidate every cached drug lookup everywhere by bumping the formulary version (never FLUSHDB)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            version = formulary_version_bump()
        self.stdout.write(f"formulary version is now {version}; old cache entries will not be read again")
