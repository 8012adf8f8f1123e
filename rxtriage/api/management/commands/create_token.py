"""``rxtriage create_token USERNAME --role patient|pharmacist|doctor [--expires-days N]``.

Creates the user (and its role) if needed and prints ONLY the new token, so scripts can capture it:
``TOKEN=$(rxtriage create_token alice --role patient)``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.api.models import Role
from rxtriage.api.services import account_ensure, token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME (creating the user with --role if needed); prints the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--expires-days", type=float, default=None, help="Default: never expires.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["expires_days"]
        if days is not None and not 0 < days <= 3650:
            raise CommandError("--expires-days must be between 0 and 3650")
        try:
            user = account_ensure(username=options["username"], role=options["role"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(token_create(user=user, expires_days=days))
