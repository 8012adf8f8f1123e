from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rxtriage.lookup.api import lookup_many
from rxtriage.lookup.types import ResultDict


class Command(BaseCommand):
    help = "Resolve medication names to formulary records, one result per name in input order."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help="names as typed (quote names with spaces)"
        )
        parser.add_argument("--json", action="store_true", help="print only a JSON list of results")
        parser.add_argument("--file", help="a UTF-8 file with one name per line")

    def handle(self, *args: Any, **options: Any) -> None:
        names = list(options["names"])
        if options["file"]:
            try:
                text = Path(options["file"]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from exc
            names.extend(line.strip() for line in text.splitlines() if line.strip())
        if not names:
            raise CommandError("give at least one NAME or --file PATH")
        results = [r.as_dict() for r in lookup_many(names=names)]
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False))
            return
        for result in results:
            self.stdout.write(self._line(result))

    @staticmethod
    def _line(result: ResultDict) -> str:
        drug = result["drug"]
        if drug is None:
            found = "no medicine"
            if result.get("note"):
                found += f" ({result['note']})"
            if result["candidates"]:
                found += "; did you mean: " + ", ".join(c["display_name"] for c in result["candidates"][:3])
        else:
            found = (
                f"{drug['display_name']} [{drug['schedule']}{', high-alert' if drug['high_alert'] else ''}]"
            )
        confirm = "  (confirm)" if result["confirm"] else ""
        return f"{result['input']!r} -> {found}  match={result['match']} score={result['score']:.2f}{confirm}"
