"""``python -m drills [--quick] [--json PATH] [--only NAME,...] [--skip-missing]``: the reliability and
security drills, run from a checkout after the README's test install (see docs/reliability.md)."""

from __future__ import annotations

import argparse
import os
import sys

from drills import run


def parser_make() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m drills",
        description="Reliability and security drills on private PostgreSQL and Redis servers on loopback. "
        "Prints a table, writes JSON; exits 1 if any drill failed.",
    )
    parser.add_argument("--quick", action="store_true", help="Shorter loads: every drill in under 5 minutes.")
    parser.add_argument("--json", dest="json_path", metavar="PATH", help="Write the results as JSON.")
    parser.add_argument("--only", default="", help="Comma-separated drill names to run (default: all).")
    parser.add_argument(
        "--skip-missing",
        action="store_true",
        help="Skip (not fail) a drill whose binaries (redis-server, initdb, pg_ctl) are missing.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = parser_make()
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django

    django.setup()
    only = [name.strip() for name in options.only.split(",") if name.strip()]
    try:
        return run(
            quick=options.quick,
            json_path=options.json_path,
            only=only,
            skip_missing=options.skip_missing,
            out=sys.stdout,
        )
    except ValueError as exc:
        parser.error(str(exc))
    return 2


if __name__ == "__main__":
    sys.exit(main())
