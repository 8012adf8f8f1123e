"""Helpers shared by test modules of several parts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

__all__ = ["committed"]


def committed(write: Callable[[], object]) -> None:
    """Run a write on its own connection, outside the test's transaction, so other processes see it."""

    def run() -> None:
        try:
            write()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
