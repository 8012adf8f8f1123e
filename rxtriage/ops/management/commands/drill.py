"""``rxtriage drill [--quick] [--json PATH] [--only NAME,...] [--skip-missing]``: the reliability and
security drills (see rxtriage.drills and docs/reliability.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Reliability and security drills on private PostgreSQL and Redis servers on loopback: Redis killed "
        "and hung, PostgreSQL down, formulary change under load, concurrency, fuzzing, auth matrix, privacy. "
        "Prints a table, writes JSON; exits 1 if any drill failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quick", action="store_true", help="Shorter loads: every drill in under 5 minutes."
        )
        parser.add_argument("--json", dest="json_path", metavar="PATH", help="Write the results as JSON.")
        parser.add_argument("--only", default="", help="Comma-separated drill names to run (default: all).")
        parser.add_argument(
            "--skip-missing",
            action="store_true",
            help="Skip (not fail) a drill whose binaries (redis-server, initdb, pg_ctl) are missing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from rxtriage.drills import run

        only = [name.strip() for name in options["only"].split(",") if name.strip()]
        try:
            code = run(
                quick=options["quick"],
                json_path=options["json_path"],
                only=only,
                skip_missing=options["skip_missing"],
                out=self.stdout,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if code:
            raise SystemExit(code)
