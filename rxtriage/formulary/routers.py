"""Send formulary reads to the read replica when ``DATABASE_REPLICA_URL`` is set, but only while it is safe.

- Caught up: a formulary read goes to the replica only when the replica has replayed the formulary
  version this process enforces (read from the primary by the lookup's cache, which registers it).  The
  version is
  bumped in the same transaction as every formulary write and WAL is replayed in order, so a replica
  showing version V holds every write up to V.  A lagging replica (replay paused, a long query holding
  it back) never serves a re-scheduled medicine's old record: those reads go to the primary.
- Alive: a replica that fails a check or a read is left alone for ``retry_after`` seconds, and the read
  is done again on the primary (:func:`with_replica_fallback`), so a dead replica costs no request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connections

__all__ = [
    "FormularyReplicaRouter",
    "ReplicaState",
    "enforced_version_source_set",
    "replica_state",
    "with_replica_fallback",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")
REPLICA = "replica"


_version_source: Callable[[], int] | None = None


def enforced_version_source_set(*, source: Callable[[], int] | None) -> None:
    """Say where the formulary version this process enforces comes from: the lookup registers its cache's
    stamp (``rxtriage.lookup.apps``), so the router never imports the layer above it."""
    global _version_source
    _version_source = source


def _enforced_version() -> int:
    """The formulary version this process enforces: the lookup's stamp (read from the primary every
    ``FORMULARY_VERSION_POLL``), or, before the lookup registered it, the primary's version itself."""
    if _version_source is not None:
        return _version_source()
    from rxtriage.formulary.selectors import formulary_version_get

    return formulary_version_get(using="default")


def _replica_version() -> int:
    from rxtriage.formulary.selectors import formulary_version_get

    return formulary_version_get(using=REPLICA)


class ReplicaState:
    """What this process knows of the replica: the formulary version it has replayed, whether it answers.

    ``timer``, ``enforced`` and ``replayed`` are attributes so tests can swap them.
    """

    timer: Callable[[], float] = staticmethod(time.monotonic)
    enforced: Callable[[], int] = staticmethod(_enforced_version)
    replayed: Callable[[], int] = staticmethod(_replica_version)

    def __init__(self, *, recheck: float = 1.0, lag_recheck: float = 0.1, retry_after: float = 5.0) -> None:
        self.recheck = recheck
        self.lag_recheck = lag_recheck
        self.retry_after = retry_after
        self.seen_version = 0
        self._checked = float("-inf")
        self._down_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.timer() < self._down_until

    def usable(self) -> bool:
        """May a formulary read go to the replica now?"""
        now = self.timer()
        if now < self._down_until:
            return False
        needed = self.enforced()
        age = now - self._checked
        if self.seen_version >= needed and age < self.recheck:
            return True
        if self.seen_version < needed and age < self.lag_recheck:
            return False  # lagging, checked a moment ago: the primary serves meanwhile
        with self._lock:
            try:
                self.seen_version = self.replayed()
            except (OperationalError, InterfaceError):
                self._mark_down()
                return False
            self._checked = self.timer()
        if self.seen_version < needed:
            logger.info("replica behind (version %d < %d): formulary reads go to the primary",
                        self.seen_version, needed)  # fmt: skip
        return self.seen_version >= needed

    def mark_down(self) -> None:
        with self._lock:
            self._mark_down()

    def _mark_down(self) -> None:
        if not self.down:
            logger.warning(
                "read replica unavailable: formulary reads go to the primary for %.0f s", self.retry_after
            )
        self._down_until = self.timer() + self.retry_after
        with contextlib.suppress(Exception):
            connections[REPLICA].close()


replica_state = ReplicaState()


def _replica_configured() -> bool:
    from django.conf import settings

    return REPLICA in settings.DATABASES


def with_replica_fallback(read: Callable[[], T]) -> T:
    """Run a formulary read; when the replica fails it, mark it down and run the read on the primary."""
    if not _replica_configured() or replica_state.down:
        return read()
    try:
        return read()
    except (OperationalError, InterfaceError):
        replica_state.mark_down()
        return read()


class FormularyReplicaRouter:
    """Formulary reads go to ``replica`` while it is caught up and alive; every write, the formulary
    version, and every other app stay on ``default``."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if model._meta.app_label != "formulary" or model._meta.model_name == "formularyversion":
            return None
        return REPLICA if replica_state.usable() else "default"

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
