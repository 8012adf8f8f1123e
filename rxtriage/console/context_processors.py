"""The signed-in reviewer's role for the console's navigation (only on console pages)."""

from __future__ import annotations

from django.http import HttpRequest

from rxtriage.triage.selectors import user_role


def console_role(request: HttpRequest) -> dict[str, str]:
    if not request.path.startswith("/console/") or not request.user.is_authenticated:
        return {}
    return {"console_role": user_role(user=request.user)}
