"""What every drill gets: the run's options, a scratch directory, and the shared private PostgreSQL.

One private cluster serves the whole run (the PostgreSQL drill stops and restarts it); a template
database is migrated and loaded with the shipped formulary once, and each drill gets its own copy
(``CREATE DATABASE ... TEMPLATE``), so drills never see each other's data.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.appserver import AppServer
from drills.harness import PostgresCluster, RedisServer, app_environment, run_command

__all__ = ["DrillContext"]

TEMPLATE_DB = "rxdrill_template"


@dataclass
class DrillContext:
    quick: bool
    workdir: Path
    skip_missing: bool = False
    verbose: bool = True
    _cluster: PostgresCluster | None = None
    _template_ready: bool = False
    _databases: list[str] = field(default_factory=list)

    # --- options ----------------------------------------------------------------------------------
    def pick(self, quick: Any, full: Any) -> Any:
        """``quick`` in a --quick run, else ``full``."""
        return quick if self.quick else full

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    # --- PostgreSQL ---------------------------------------------------------------------------------
    @property
    def cluster(self) -> PostgresCluster:
        """The run's private cluster: created, started and given its loaded template on first use."""
        if self._cluster is None:
            self.log("starting a private PostgreSQL cluster")
            self._cluster = PostgresCluster().init()
        if not self._cluster.running:
            self._cluster.start()
        if not self._template_ready:
            cluster = self._cluster
            cluster.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
            cluster.execute(f"CREATE DATABASE {TEMPLATE_DB}")
            env = self.env(cluster.url(TEMPLATE_DB), None, "template")
            self.log("migrating the template database and loading the formulary")
            run_command(env, "migrate", "--noinput", "-v", "0")
            run_command(env, "load_formulary", "-v", "0")
            self._template_ready = True
        return self._cluster

    def database(self, name: str) -> str:
        """A fresh database for one drill (a copy of the loaded template); its URL."""
        cluster = self.cluster
        db = f"rxdrill_{name}"
        cluster.execute(f"DROP DATABASE IF EXISTS {db}")
        cluster.execute(f"CREATE DATABASE {db} TEMPLATE {TEMPLATE_DB}")
        self._databases.append(db)
        return cluster.url(db)

    # --- servers ------------------------------------------------------------------------------------
    def env(self, database_url: str, redis_url: str | None, name: str, **extra: str) -> dict[str, str]:
        data_dir = self.workdir / f"data-{name}"
        data_dir.mkdir(parents=True, exist_ok=True)
        return app_environment(database_url=database_url, redis_url=redis_url, data_dir=data_dir, **extra)

    def redis(self, port: int | None = None) -> RedisServer:
        return RedisServer(self.workdir, port=port).start()

    def app(self, env: dict[str, str], workers: int, name: str, *extra_args: str) -> AppServer:
        self.log(f"starting rxtriage serve with {workers} workers ({name}) {' '.join(extra_args)}".rstrip())
        return AppServer(env, workdir=self.workdir, workers=workers, name=name, extra_args=extra_args).start()

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.destroy()
            self._cluster = None
