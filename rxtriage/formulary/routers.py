"""Send formulary reads to the read replica when ``DATABASE_REPLICA_URL`` is set."""

from __future__ import annotations

from typing import Any


class FormularyReplicaRouter:
    """Formulary reads go to ``replica``; every write, and every other app, stays on ``default``.

    The formulary version is read from ``default`` so that a write is seen at once, whatever the
    replica's lag (``rxtriage.lookup`` reads it with ``using("default")``).
    """

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if model._meta.app_label == "formulary" and model._meta.model_name != "formularyversion":
            return "replica"
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
