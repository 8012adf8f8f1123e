"""The embedded default: works on a fresh data directory with no prior step, and lets several
processes write at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

WRITER = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
django.setup()
from django.contrib.auth.models import User
from rxtriage.bootstrap import ensure_ready
ensure_ready()
for i in range(25):
    User.objects.create(username=f"writer{sys.argv[1]}-{i}")
print("ok")
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RXTRIAGE_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def fresh_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rxtriage-data")


def test_the_first_command_on_a_fresh_install_creates_and_loads_the_database(fresh_data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "rxtriage.cli", "formulary_stats", "--json"],
        env=_env(fresh_data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["drugs"] >= 500 and stats["names"] >= 2000


def test_the_embedded_database_runs_in_wal_mode(fresh_data_dir):
    database = fresh_data_dir / "rxtriage.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.slow
def test_several_processes_writing_at_once_never_see_database_is_locked(fresh_data_dir):
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n)],
            env=_env(fresh_data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outcomes = [w.communicate(timeout=120) for w in writers]
    for writer, (out, err) in zip(writers, outcomes, strict=True):
        assert writer.returncode == 0 and out.strip() == "ok", err
    with sqlite3.connect(fresh_data_dir / "rxtriage.sqlite3") as conn:
        assert (
            conn.execute("SELECT count(*) FROM auth_user WHERE username LIKE 'writer%'").fetchone()[0] == 100
        )
