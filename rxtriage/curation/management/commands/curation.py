"""``rxtriage curation list [--json] [--min-count N] | approve KEY --drug GENERIC [--kind brand|synonym|
abbreviation] | reject KEY | export [PATH]``: the pharmacists' curation loop on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.curation.api import (
    CurationError,
    curation_approve,
    curation_export,
    curation_list,
    curation_reject,
)
from rxtriage.curation.models import CurationKind


class Command(BaseCommand):
    help = (
        "Names from traffic that resolved to nothing or needed confirmation: list, approve, reject, export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="keys waiting for a decision, most seen first")
        listing.add_argument("--json", action="store_true", help="a JSON list of {key, count, ...}")
        listing.add_argument("--min-count", type=int, default=1)
        approve = actions.add_parser("approve", help="approve KEY as a name of a medicine")
        approve.add_argument("key")
        approve.add_argument("--drug", required=True, help="the medicine's generic name")
        approve.add_argument("--kind", choices=CurationKind.values, default=CurationKind.BRAND)
        reject = actions.add_parser("reject", help="record KEY as not a medicine")
        reject.add_argument("key")
        export = actions.add_parser("export", help="approved names in the shipped data file's format")
        export.add_argument("path", nargs="?", help="write to PATH (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except CurationError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc

    def _list(self, options: dict[str, Any]) -> None:
        if options["min_count"] < 1:
            raise CommandError("--min-count must be at least 1")
        items = curation_list(min_count=options["min_count"], limit=None)
        if options["json"]:
            self.stdout.write(json.dumps([item.as_dict() for item in items], indent=2))
            return
        for item in items:
            offered = ", ".join(item.candidates) or "-"
            self.stdout.write(
                f"{item.count:>6}  {item.key}  (did you mean: {offered}; last {item.last_seen:%Y-%m-%d})"
            )

    def _approve(self, options: dict[str, Any]) -> None:
        row = curation_approve(key=options["key"], generic_name=options["drug"], kind=options["kind"])
        self.stdout.write(f"approved '{row.key}' as a {row.kind} of {options['drug'].strip().lower()}")

    def _reject(self, options: dict[str, Any]) -> None:
        row = curation_reject(key=options["key"])
        self.stdout.write(f"rejected '{row.key}': recorded as not a medicine")

    def _export(self, options: dict[str, Any]) -> None:
        text = curation_export()
        if options["path"]:
            Path(options["path"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {options['path']}")
        else:
            self.stdout.write(text, ending="")
