"""``rxtriage triage [--json] FILE|-``: triage a request in the HTTP body's shape and print the decision.

The request is validated by the API's own input serializer, so the command accepts exactly what
``POST /api/prescriptions/requests/`` accepts.  Nothing is saved.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.exceptions import ValidationError

from rxtriage.api.errors import validation_error_body
from rxtriage.api.limits import MAX_BODY_BYTES
from rxtriage.api.serializers import PrescriptionRequestInputSerializer
from rxtriage.triage.services import triage_request


def _read(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read(MAX_BODY_BYTES + 1)
        with open(source, "rb") as handle:
            return handle.read(MAX_BODY_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror}") from exc


def _parse(data: bytes) -> Any:
    if len(data) > MAX_BODY_BYTES:
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
        serializer = PrescriptionRequestInputSerializer(data=body)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as exc:
            raise CommandError(f"validation_error: {validation_error_body(exc)['error']['message']}") from exc
        decision = triage_request(payload=dict(serializer.validated_data)).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(decision, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_summary(decision))
