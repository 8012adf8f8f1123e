"""The drills' helper process: ``python -m drills.agent ACTION`` (JSON on stdin and stdout).

It runs with the drill's environment (the drill's own PostgreSQL database), so the drill process
itself never opens a Django connection to the database under test.  Actions:

- ``tokens``: ``{"users": [{"username", "role", "state": "valid|expired|revoked"}]}`` ->
  ``{"tokens": {username: token}}`` (expired: the expiry is moved into the past; revoked: deleted);
- ``reschedule``: ``{"generic_name", "schedule", "controlled_basis"}`` -> ``{"committed_at", "before"}``
  through ``drug_save`` (the formulary service), committed before ``committed_at`` is read;
- ``requests``: ``{"usernames": [...]}`` -> ``{"requests": [{"id", "username", "symptoms"}]}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from typing import Any


def _tokens(payload: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone
    from knox.models import AuthToken

    from rxtriage.api.services import account_ensure, token_create

    out: dict[str, str] = {}
    for spec in payload["users"]:
        user = account_ensure(username=spec["username"], role=spec.get("role", "patient"))
        state = spec.get("state", "valid")
        token = token_create(user=user, expires_days=1 if state == "expired" else None)
        if state == "expired":
            AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(minutes=1))
        elif state == "revoked":
            AuthToken.objects.filter(user=user).delete()
        out[spec["username"]] = token
    return {"tokens": out}


def _reschedule(payload: dict[str, Any]) -> dict[str, Any]:
    from rxtriage.formulary.models import Drug
    from rxtriage.formulary.services import drug_save

    drug = Drug.objects.get(generic_name=payload["generic_name"])
    before = {"schedule": drug.schedule, "controlled_basis": drug.controlled_basis}
    drug.schedule = payload["schedule"]
    drug.controlled_basis = payload.get("controlled_basis") or ""
    drug_save(drug=drug)  # atomic: committed when it returns
    return {"committed_at": time.time(), "before": before}


def _requests(payload: dict[str, Any]) -> dict[str, Any]:
    from rxtriage.triage.models import PrescriptionRequest

    rows = PrescriptionRequest.objects.filter(requester__username__in=payload["usernames"]).values_list(
        "id", "requester__username", "symptoms"
    )
    return {"requests": [{"id": i, "username": u, "symptoms": s} for i, u, s in rows]}


ACTIONS = {"tokens": _tokens, "reschedule": _reschedule, "requests": _requests}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ACTIONS:
        print(
            f"usage: python -m drills.agent {{{'|'.join(ACTIONS)}}} < payload.json", file=sys.stderr
        )
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django

    django.setup()
    payload = json.loads(sys.stdin.read() or "{}")
    print(json.dumps(ACTIONS[argv[1]](payload)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
