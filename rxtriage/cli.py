"""The ``rxtriage`` console script: every Django management command plus the project's own.

On the embedded default the SQLite database is created, migrated and loaded with the shipped
formulary on first use, so any command works on a fresh install without a prior step.
"""

from __future__ import annotations

import os
import sys

# Commands that manage the schema themselves, or need no database.
_NO_BOOTSTRAP = {
    "migrate",
    "makemigrations",
    "sqlmigrate",
    "showmigrations",
    "squashmigrations",
    "check",
    "help",
    "version",
    "--help",
    "-h",
    "--version",
    "shell",
    "dbshell",
    "test",
    "collectstatic",
    "serve",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # e.g. RXTRIAGE_ENV=production without its settings: one line
        sys.stderr.write(f"rxtriage: {exc}\n")
        sys.exit(2)
    command = argv[1] if len(argv) > 1 else "help"
    if settings.EMBEDDED_DATABASE and command not in _NO_BOOTSTRAP:
        from rxtriage.bootstrap import ensure_ready

        ensure_ready()
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
