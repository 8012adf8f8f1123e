"""The replica router: formulary reads go to the replica only while it has replayed the enforced
formulary version and answers; otherwise to the primary, without a failed read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from rxtriage.formulary import routers
from rxtriage.formulary.routers import ReplicaState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _state(enforced: list[int], replayed: list[Any]) -> tuple[ReplicaState, Clock]:
    clock = Clock()
    state = ReplicaState(recheck=1.0, lag_recheck=0.1, retry_after=5.0)

    def read_replayed() -> int:
        value = replayed[0]
        if isinstance(value, Exception):
            raise value
        return int(value)

    state.timer = clock
    state.enforced = lambda: enforced[0]
    state.replayed = read_replayed
    return state, clock


def test_a_caught_up_replica_serves_formulary_reads() -> None:
    state, _ = _state([7], [7])
    assert state.usable() and state.seen_version == 7


def test_a_lagging_replica_never_serves_a_read_newer_than_it_has_replayed() -> None:
    enforced, replayed = [7], [7]
    state, clock = _state(enforced, replayed)
    assert state.usable()
    enforced[0] = 8  # a formulary write committed on the primary; the replica has not replayed it
    assert not state.usable()
    clock.now += 0.05
    assert not state.usable()  # checked a moment ago: still the primary
    replayed[0] = 8
    clock.now += 0.1
    assert state.usable()


def test_a_caught_up_replica_is_rechecked_every_second() -> None:
    replayed: list[Any] = [3]
    state, clock = _state([3], replayed)
    assert state.usable()
    replayed[0] = OperationalError("replica gone")
    clock.now += 0.5
    assert state.usable()  # within the recheck period: not asked again
    clock.now += 0.6
    assert not state.usable() and state.down
    replayed[0] = 3
    clock.now += 4.0
    assert not state.usable()  # left alone for retry_after seconds
    clock.now += 1.5
    assert state.usable()


def test_a_read_that_the_replica_fails_is_done_again_on_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    state, _ = _state([1], [1])
    monkeypatch.setattr(routers, "replica_state", state)
    monkeypatch.setattr(routers, "_replica_configured", lambda: True)
    calls: list[str] = []

    def read() -> str:
        calls.append("replica" if not state.down else "primary")
        if not state.down:
            raise OperationalError("server closed the connection unexpectedly")
        return "answer"

    assert routers.with_replica_fallback(read) == "answer"
    assert calls == ["replica", "primary"] and state.down


def test_without_a_replica_a_database_error_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routers, "_replica_configured", lambda: False)

    def read() -> None:
        raise OperationalError("primary down")

    with pytest.raises(OperationalError):
        routers.with_replica_fallback(read)


def test_the_formulary_version_and_other_apps_stay_on_the_primary() -> None:
    from rxtriage.formulary.models import FormularyVersion
    from rxtriage.triage.models import PrescriptionRequest

    router = routers.FormularyReplicaRouter()
    assert router.db_for_read(FormularyVersion) is None
    assert router.db_for_read(PrescriptionRequest) is None
    assert router.db_for_write(FormularyVersion) == "default"
