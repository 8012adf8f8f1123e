"""Throttling is shared by every process of the server: Redis when configured, else a file cache in the
data directory; a throttle store that is down never turns a request into a 500."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from django_redis.cache import RedisCache
from rest_framework.test import APIClient

from rxtriage.api.throttles import UserRateThrottle

LIST = "/api/prescriptions/requests/"

# One server worker: waits for the common start time, then asks the throttle N times for one user.
WORKER = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
django.setup()
from types import SimpleNamespace
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rxtriage.api.throttles import UserRateThrottle

UserRateThrottle.rate = "10/min"
user, start, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
allowed = 0
while time.time() < start:
    time.sleep(0.001)
for _ in range(count):
    request = Request(APIRequestFactory().get("/api/prescriptions/requests/"))
    request.user = SimpleNamespace(pk=user, is_authenticated=True)
    allowed += UserRateThrottle().allow_request(request, None)
print(allowed)
"""


def test_three_processes_share_one_throttle_budget() -> None:
    user = f"shared-{uuid.uuid4().hex}"
    start = time.time() + 4.0  # every process has imported Django by then
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, user, str(start), "30"],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [w.communicate(timeout=120) for w in workers]
    for worker, (_, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0, err
    allowed = [int(out.strip()) for out, _ in outcomes]
    assert sum(allowed) == 10, allowed


def test_a_dead_redis_throttle_store_fails_open_with_a_warning(
    patient: APIClient, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    dead = RedisCache(
        "redis://127.0.0.1:1/0",
        {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.05, "SOCKET_TIMEOUT": 0.05}},
    )
    attempts: list[bool] = []
    real_get_client = dead.client.get_client
    def counted_get_client(**kw: Any) -> Any:
        attempts.append(True)
        return real_get_client(**kw)

    monkeypatch.setattr(dead.client, "get_client", counted_get_client)
    monkeypatch.setattr(UserRateThrottle, "cache", dead)
    monkeypatch.setattr(UserRateThrottle, "rate", "1/min")
    monkeypatch.setattr(UserRateThrottle, "_last_warning", 0.0)
    monkeypatch.setattr(UserRateThrottle, "_down_until", 0.0)
    with caplog.at_level(logging.WARNING, logger="rxtriage.api.throttles"):
        statuses = [patient.get(LIST).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert caplog.text.count("throttle cache unavailable") == 1  # once a minute, not once a request
    assert len(attempts) == 1  # then left alone for a few seconds: a hung Redis costs one timeout


def test_a_redis_that_comes_back_is_used_again_after_the_retry_delay(
    patient: APIClient, monkeypatch: Any
) -> None:
    monkeypatch.setattr(UserRateThrottle, "rate", "1/min")
    monkeypatch.setattr(UserRateThrottle, "_down_until", time.monotonic() - 1)
    assert [patient.get(LIST).status_code for _ in range(2)] == [200, 429]
