"""A formulary write is enforced by every process within one second."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from rxtriage.formulary.models import Drug
from rxtriage.formulary.services import drug_save
from rxtriage.lookup.cache import DrugCache
from tests.support import committed

WATCHER = """
import os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
django.setup()
from rxtriage.lookup.api import lookup_one
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    schedule = lookup_one(name=sys.argv[1]).drug["schedule"]
    print(f"{time.time():.3f} {schedule}", flush=True)
    if schedule == "controlled":
        break
    time.sleep(0.02)
"""


def _reschedule(generic_name: str, schedule: str, basis: str) -> None:
    drug = Drug.objects.get(generic_name=generic_name)
    drug.schedule, drug.controlled_basis = schedule, basis
    drug_save(drug=drug)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
def test_another_process_sees_a_rescheduled_medicine_within_one_second(formulary):
    env = {**os.environ, "DATABASE_URL": _database_url(), "DRUG_CACHE_PREFIX": "rxtest:invalidation:"}
    old = Drug.objects.get(generic_name="ibuprofen")
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, "Nurofen 200mg"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline().split()
        assert first and first[1] != "controlled"  # warm: it has cached the old schedule
        committed(lambda: _reschedule("ibuprofen", "controlled", "ng_national"))
        written = time.time()
        lines = [line.split() for line in watcher.stdout]
        watcher.wait(10)
    finally:
        watcher.kill()
        committed(lambda: _reschedule("ibuprofen", old.schedule, old.controlled_basis))
    seen = [float(stamp) for stamp, schedule in lines if schedule == "controlled"]
    assert seen, "the other process never saw the new schedule"
    assert seen[0] - written <= 1.0


def test_a_process_that_polls_sees_a_new_version_after_its_poll_interval(formulary):
    clock = [0.0]
    versions = iter([1, 2])
    cache = DrugCache(read_version=lambda: next(versions), version_poll=0.5)
    cache.stamp.timer = lambda: clock[0]
    assert cache.version() == 1
    clock[0] = 0.4
    assert cache.version() == 1
    clock[0] = 0.5
    assert cache.version() == 2
    assert connection.vendor in {"sqlite", "postgresql"}
