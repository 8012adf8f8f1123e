"""db_health: the formulary tables' index usage, statistics and slow statements, with advice."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from rxtriage.formulary.health import DbHealth, db_health_advice


def _json() -> dict[str, Any]:
    out = StringIO()
    call_command("db_health", "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_report_lists_every_formulary_index_with_scans_and_size(formulary: Any) -> None:
    report = _json()
    assert report["backend"] == "postgresql"
    assert "statistics_since" in report
    indexes = {i["index"]: i for i in report["indexes"]}
    for name in ("drugname_name_drug_uniq", "drugname_name_trgm_idx", "drug_active_generic_idx"):
        assert name in indexes
        assert indexes[name]["scans"] >= 0 and indexes[name]["size_bytes"] > 0
    assert {i["table"] for i in report["indexes"]} <= {
        "formulary_drug",
        "formulary_drugname",
        "formulary_formularyversion",
    }
    # a unique index is never called unused: it enforces a rule even when nothing reads through it
    assert "drugname_name_drug_uniq" not in report["unused_indexes"]
    tables = {t["table"]: t for t in report["tables"]}
    assert set(tables) == {"formulary_drug", "formulary_drugname", "formulary_formularyversion"}
    assert {"modified_since_analyze", "last_analyze", "live_rows", "seq_scans"} <= set(
        tables["formulary_drug"]
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_statements_section_says_whether_pg_stat_statements_is_loaded(
    formulary: Any,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_preload_libraries')")
        preloaded = "pg_stat_statements" in cursor.fetchone()[0]
    report = _json()
    if preloaded:
        assert "available" in report["statements"]
    else:
        assert report["statements"] == {
            "available": False,
            "reason": "pg_stat_statements is not in shared_preload_libraries",
        }
        assert any("shared_preload_libraries" in line for line in report["advice"])


@pytest.mark.django_db
def test_on_sqlite_the_report_says_what_it_cannot_report(formulary: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default only")
    report = _json()
    assert report["backend"] == "sqlite"
    assert report["indexes"] == [] and report["statements"]["available"] is False
    assert any("index usage" in line for line in report["cannot_report"])
    assert {t["table"] for t in report["tables"]} >= {"formulary_drug", "formulary_drugname"}
    assert next(t for t in report["tables"] if t["table"] == "formulary_drug")["live_rows"] > 500


def test_stale_statistics_and_an_unused_index_get_a_line_of_advice() -> None:
    report = DbHealth(
        backend="postgresql",
        tables=[
            {
                "table": "formulary_drug",
                "live_rows": 1000,
                "modified_since_analyze": 150,
                "last_analyze": "x",
            },
            {
                "table": "formulary_drugname",
                "live_rows": 4000,
                "modified_since_analyze": 10,
                "last_analyze": "x",
            },
            {
                "table": "formulary_formularyversion",
                "live_rows": 1,
                "modified_since_analyze": 1,
                "last_analyze": None,
            },
        ],
        indexes=[{"index": "drug_schedule_active_idx", "size_bytes": 16384}],
        unused_indexes=["drug_schedule_active_idx"],
        statements={"available": True, "slowest": []},
    )
    advice = db_health_advice(report=report)
    assert advice[0].startswith("ANALYZE formulary_drug: 150 rows changed")
    assert not any("formulary_drugname" in line or "formularyversion" in line for line in advice)
    assert any(line.startswith("index drug_schedule_active_idx (16 KiB)") for line in advice)
    assert len(advice) == 2
