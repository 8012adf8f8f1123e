"""The formulary tables' health on the database: index usage and sizes, table statistics, slow statements.

The maintenance queries of the seed system (``pg_stat_user_indexes``, ``pg_stat_user_tables``,
``pg_stat_statements``), limited to the formulary's own tables, with a line of advice where one
applies: ANALYZE a table whose statistics are stale, consider an index never scanned, load
``pg_stat_statements`` to see the slowest statements.  Statement texts come normalised by PostgreSQL
(constants replaced by ``$1``...), so no typed name appears in the report.

On SQLite only table sizes in rows can be read: SQLite keeps no index-usage, analyze or statement
statistics, and the report says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connections

from rxtriage.formulary.models import Drug, DrugName, FormularyVersion

__all__ = ["DbHealth", "db_health_advice", "db_health_report"]

# ANALYZE is advised once this share of a table's rows changed since its last analyze (PostgreSQL's
# own autovacuum_analyze_scale_factor default is 0.1), and at least this many rows.
STALE_SHARE = 0.1
STALE_MIN_ROWS = 50
SLOWEST = 10


def formulary_tables() -> list[str]:
    return [model._meta.db_table for model in (Drug, DrugName, FormularyVersion)]


@dataclass
class DbHealth:
    backend: str
    #: when PostgreSQL's statistics of this database were last reset (scan counts count from there)
    statistics_since: str | None = None
    tables: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)
    unused_indexes: list[str] = field(default_factory=list)
    statements: dict[str, Any] = field(default_factory=dict)
    cannot_report: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_INDEX_SQL = """
SELECT s.relname, s.indexrelname, s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       pg_relation_size(s.indexrelid), i.indisunique, i.indisprimary
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.relname = ANY(%s)
ORDER BY s.idx_scan DESC, s.relname, s.indexrelname
"""

_TABLE_SQL = """
SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze, last_analyze, last_autoanalyze,
       seq_scan, idx_scan, pg_total_relation_size(relid)
FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname
"""

_STATEMENTS_SQL = """
SELECT query, calls, mean_exec_time, total_exec_time, rows
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ({tables})
ORDER BY mean_exec_time DESC
LIMIT %s
"""


def _rows(cursor: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def _postgres(cursor: Any, report: DbHealth) -> None:
    tables = formulary_tables()
    cursor.execute("SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()")
    row = cursor.fetchone()
    report.statistics_since = row[0].isoformat() if row and row[0] else None
    for table, name, scans, read, fetched, size, unique, primary in _rows(cursor, _INDEX_SQL, [tables]):
        report.indexes.append(
            {"table": table, "index": name, "scans": scans, "tuples_read": read, "tuples_fetched": fetched,
             "size_bytes": size, "unique": unique or primary}
        )  # fmt: skip
        if scans == 0 and not (unique or primary):
            report.unused_indexes.append(name)
    for row in _rows(cursor, _TABLE_SQL, [tables]):
        table, live, dead, modified, analyzed, autoanalyzed, seq, idx, size = row
        last = max((t for t in (analyzed, autoanalyzed) if t is not None), default=None)
        report.tables.append(
            {"table": table, "live_rows": live, "dead_rows": dead, "modified_since_analyze": modified,
             "last_analyze": last.isoformat() if last else None, "seq_scans": seq, "index_scans": idx,
             "size_bytes": size}
        )  # fmt: skip
    report.statements = _statements(cursor, tables)


def _statements(cursor: Any, tables: list[str]) -> dict[str, Any]:
    cursor.execute("SELECT current_setting('shared_preload_libraries')")
    preloaded = "pg_stat_statements" in cursor.fetchone()[0]
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
    installed = cursor.fetchone() is not None
    if not preloaded:
        return {"available": False, "reason": "pg_stat_statements is not in shared_preload_libraries"}
    if not installed:
        return {"available": False, "reason": "pg_stat_statements is loaded but not created in this database"}
    where = " OR ".join("query LIKE %s" for _ in tables)
    rows = _rows(cursor, _STATEMENTS_SQL.format(tables=where), [*(f"%{t}%" for t in tables), SLOWEST])
    slowest = [
        {"query": " ".join(query.split())[:500], "calls": calls, "mean_ms": round(mean, 3),
         "total_ms": round(total, 3), "rows": n}
        for query, calls, mean, total, n in rows
    ]  # fmt: skip
    return {"available": True, "slowest": slowest}


def _sqlite(cursor: Any, report: DbHealth) -> None:
    for table in formulary_tables():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # table names come from the models
        report.tables.append({"table": table, "live_rows": cursor.fetchone()[0]})
    report.cannot_report = [
        "index usage (SQLite keeps no index-scan counters)",
        "index sizes (the dbstat table is not compiled in everywhere)",
        "modifications since the last ANALYZE and its time",
        "slowest statements (there is no pg_stat_statements on SQLite)",
    ]
    report.statements = {"available": False, "reason": "SQLite has no statement statistics"}


def db_health_advice(*, report: DbHealth) -> list[str]:
    """Lines of advice for a report: stale statistics, unused indexes, missing statement statistics."""
    advice: list[str] = []
    for table in report.tables:
        modified, live = table.get("modified_since_analyze"), table.get("live_rows") or 0
        if modified is None:
            continue
        stale = modified >= max(STALE_MIN_ROWS, STALE_SHARE * live)
        if stale or (table.get("last_analyze") is None and live >= STALE_MIN_ROWS):
            advice.append(
                f"ANALYZE {table['table']}: {modified} rows changed since its last analyze "
                f"({table.get('last_analyze') or 'never analyzed'})"
            )
    for name in report.unused_indexes:
        size = next((i["size_bytes"] for i in report.indexes if i["index"] == name), 0)
        since = f"since {report.statistics_since}" if report.statistics_since else "since statistics began"
        advice.append(
            f"index {name} ({size // 1024} KiB) has not been scanned {since}: "
            "if it stays unused for weeks in production, consider dropping it (in a migration)"
        )
    if report.backend == "postgresql" and not report.statements.get("available"):
        advice.append(
            f"{report.statements.get('reason')}: add it to shared_preload_libraries and run "
            "CREATE EXTENSION pg_stat_statements to see the slowest formulary statements"
        )
    return advice


def db_health_report(*, using: str = "default") -> DbHealth:
    """The health report of the formulary tables on database ``using``."""
    connection = connections[using]
    report = DbHealth(backend=connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _postgres(cursor, report)
        else:
            _sqlite(cursor, report)
    report.advice = db_health_advice(report=report)
    return report
