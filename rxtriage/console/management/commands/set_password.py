"""``rxtriage set_password USERNAME``: read a pharmacist's or doctor's new console password from
standard input (one line; never from the command line, where it would reach the shell's history)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.console.services import clinician_password_set


class Command(BaseCommand):
    help = "Set the review-console password of a pharmacist or doctor, read from standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input")
        try:
            clinician_password_set(username=options["username"], password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"password set for {options['username']}")
