"""``rxtriage create_token USERNAME --role patient|pharmacist|doctor [--change-role]
[--expires-days N | --no-expiry]``.

Creates the user (and its role) if needed and prints ONLY the new token, so scripts can capture it:
``TOKEN=$(rxtriage create_token alice --role patient)``.  An existing user keeps their role: another
``--role`` is refused unless ``--change-role`` is given (every token they hold gets the new role).
Tokens expire after ``RXTRIAGE_TOKEN_TTL_DAYS`` (30) days unless ``--expires-days`` or ``--no-expiry``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.api.models import Role
from rxtriage.api.selectors import user_get
from rxtriage.api.services import RoleChangeRefused, account_ensure, token_create
from rxtriage.triage.selectors import user_role


class Command(BaseCommand):
    help = "Create an API token for USERNAME (creating the user with --role if needed); prints the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--change-role",
            action="store_true",
            help="Allow giving an existing user another role (their existing tokens get it too).",
        )
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument(
            "--expires-days", type=float, default=None, help="Default: RXTRIAGE_TOKEN_TTL_DAYS (30)."
        )
        expiry.add_argument("--no-expiry", action="store_true", help="A token that never expires.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["expires_days"]
        if days is not None and not 0 < days <= 3650:
            raise CommandError("--expires-days must be between 0 and 3650")
        existing = user_get(username=options["username"])
        before = user_role(existing) if existing is not None else None
        try:
            user = account_ensure(
                username=options["username"], role=options["role"], change_role=options["change_role"]
            )
        except RoleChangeRefused as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if before is not None and before != options["role"]:
            self.stderr.write(
                f"role of {options['username']} changed from {before} to {options['role']}; their "
                f"existing tokens now carry it (revoke them: rxtriage tokens revoke --user "
                f"{options['username']} --all)"
            )
        self.stdout.write(token_create(user=user, expires_days=days, never_expires=options["no_expiry"]))
