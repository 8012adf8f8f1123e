"""``rxtriage triage [--json] FILE|-``: triage a request in the HTTP body's shape and print the decision.

The request is checked by the triage service's own input type (``TriageInput.parse``), against the
same request limits as ``POST /api/prescriptions/requests/``.  Nothing is saved.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.triage.limits import MAX_REQUEST_BYTES
from rxtriage.triage.services import triage_decide
from rxtriage.triage.types import TriageInput, TriageInputError


def _read(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read(MAX_REQUEST_BYTES + 1)
        with open(source, "rb") as handle:
            return handle.read(MAX_REQUEST_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror}") from exc


def _parse(data: bytes) -> Any:
    if len(data) > MAX_REQUEST_BYTES:
        raise CommandError("request_too_large: the request is larger than 64 KB")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise CommandError(f"parse_error: not valid JSON ({exc})") from exc


def _summary(decision: dict[str, Any]) -> str:
    lines = [f"route: {decision['route']}" + (" (urgent)" if decision["urgent"] else "")]
    if decision["red_flags"]:
        lines.append("red flags: " + ", ".join(decision["red_flags"]))
    for med in decision["medications"]:
        drug = med.get("drug") or {}
        found = f"{drug.get('generic_name')} [{drug.get('schedule')}]" if drug else "not recognised"
        lines.append(f"- {med.get('input')}: {found} ({med.get('match')}, score {med.get('score')})")
    lines.extend(f"reason {r['code']}: {r['message']}" for r in decision["reasons"])
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Triage a prescription request (JSON, the HTTP body's shape) from FILE or - (stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="FILE|-")
        parser.add_argument("--json", action="store_true", help="Print the decision as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        body = _parse(_read(options["source"]))
        try:
            request = TriageInput.parse(body)
        except TriageInputError as exc:
            raise CommandError(f"{exc.code}: the request is not valid: {exc}") from exc
        decision = triage_decide(request=request).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(decision, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_summary(decision))
