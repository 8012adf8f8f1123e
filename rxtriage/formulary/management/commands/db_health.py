from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from rxtriage.formulary.health import db_health_report


class Command(BaseCommand):
    help = (
        "Health of the formulary tables: index scans and sizes, unused indexes, table statistics "
        "(changes since the last ANALYZE), the slowest formulary statements (pg_stat_statements), advice."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print only the JSON object")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = db_health_report(using=options["database"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), default=str))
            return
        write = self.stdout.write
        write(f"database: {report.backend}")
        for table in report.tables:
            write("table " + ", ".join(f"{k}={v}" for k, v in table.items()))
        for index in report.indexes:
            write(
                f"index {index['index']} on {index['table']}: {index['scans']} scans, "
                f"{index['size_bytes'] // 1024} KiB"
            )
        statements = report.statements
        if statements.get("available"):
            for row in statements["slowest"]:
                write(f"statement {row['mean_ms']} ms mean x {row['calls']}: {row['query'][:160]}")
        else:
            write(f"statements: not available ({statements.get('reason')})")
        for item in report.cannot_report:
            write(f"cannot report: {item}")
        for line in report.advice:
            write(f"advice: {line}")
