from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from rxtriage.formulary.datafile import FormularyDataError, read_records, validate
from rxtriage.formulary.services import drug_upsert_many


class Command(BaseCommand):
    help = "Load (upsert) the formulary from a data file or folder; the shipped formulary by default."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", help="a YAML file, or a folder of them (default: shipped)")
        parser.add_argument(
            "--deactivate-missing", action="store_true", help="mark medicines absent from the data inactive"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            records = read_records(options["path"])
        except (OSError, FormularyDataError) as exc:
            raise CommandError(str(exc)) from exc
        problems = validate(records)
        if options["path"] is not None:  # a partial file may name components loaded before
            problems = [line for line in problems if "is not a medicine of the formulary" not in line]
        if problems:
            raise CommandError("the formulary data is invalid:\n" + "\n".join(problems[:20]))
        quiet = options["verbosity"] == 0
        with tqdm(total=len(records), desc="formulary", unit="drug", disable=quiet, file=self.stderr) as bar:
            summary = drug_upsert_many(
                records=records, deactivate_missing=options["deactivate_missing"], progress=bar.update
            )
        if summary.changed and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics, so the planner picks the right indexes
                cursor.execute("ANALYZE formulary_drug")
                cursor.execute("ANALYZE formulary_drugname")
        if not quiet:
            version = f", formulary version {summary.version}" if summary.version else ", version unchanged"
            self.stdout.write(
                f"{len(records)} records: {summary.created} created, {summary.updated} updated, "
                f"{summary.unchanged} unchanged, {summary.deactivated} deactivated; "
                f"{summary.names} names{version}"
            )
