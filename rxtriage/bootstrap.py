"""First-use setup: migrate the database and load the shipped formulary when it is empty.

Used by the ``rxtriage`` command on the embedded default (so any command works on a fresh install
with no prior step) and by ``rxtriage serve`` on every backend.  A file lock keeps several
processes starting at once from racing.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

__all__ = ["ensure_ready", "needs_migration"]

logger = logging.getLogger(__name__)


@contextmanager
def _lock() -> Iterator[None]:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / ".bootstrap.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def needs_migration(alias: str = "default") -> bool:
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _formulary_empty() -> bool:
    from rxtriage.formulary.models import Drug

    return not Drug.objects.using("default").exists()


def ensure_ready(*, verbosity: int = 0) -> None:
    """Migrate if needed, then load the shipped formulary if the formulary is empty."""
    if not needs_migration() and not _formulary_empty():
        return
    with _lock():
        if needs_migration():
            logger.info("migrating the database")
            call_command("migrate", interactive=False, verbosity=verbosity)
        if _formulary_empty():
            logger.info("loading the shipped formulary")
            call_command("load_formulary", verbosity=verbosity)
