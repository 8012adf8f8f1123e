"""Migration 0008: new sessions on the service's database plan without JIT compilation."""

from __future__ import annotations

import importlib
from typing import Any

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

_migration = importlib.import_module("rxtriage.formulary.migrations.0008_database_jit_off")


def _new_session_setting(name: str) -> str:
    """``SHOW name`` in a session opened now, as the server's workers open theirs."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as session:
        row = session.execute(f"SHOW {name}").fetchone()
        assert row is not None
        return str(row[0])


def test_a_new_session_on_the_database_has_jit_off(formulary: Any) -> None:
    assert _new_session_setting("jit") == "off"


def test_a_role_that_does_not_own_the_database_migrates_with_a_notice_not_an_error(formulary: Any) -> None:
    notices: list[str] = []
    connection.connection.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE rxtriage_test_not_owner")
        cursor.execute("SET ROLE rxtriage_test_not_owner")
        try:
            cursor.execute(_migration._SET)
        finally:
            cursor.execute("RESET ROLE")
    assert any("jit left as configured" in notice for notice in notices), notices


def _database_defaults() -> list[str]:
    """The database's own session defaults (``ALTER DATABASE ... SET``), as this transaction sees them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(setconfig, '{}') FROM pg_db_role_setting s"
            " JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = current_database() AND s.setrole = 0"
        )
        row = cursor.fetchone()
    return list(row[0]) if row else []


def test_the_migration_reverses_to_the_server_default(formulary: Any) -> None:
    assert "jit=off" in _database_defaults()
    with connection.cursor() as cursor:
        cursor.execute(_migration._RESET)
    assert not any(setting.startswith("jit=") for setting in _database_defaults())
