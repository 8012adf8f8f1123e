"""The Redis-killed drill's verdict: per-cycle added p99 and its median (synthetic samples)."""

from __future__ import annotations

from statistics import median

from devtools.load import Sample
from drills.redis_killed import added_p99_per_cycle


def _window(start: float, latencies_ms: list[float]) -> list[Sample]:
    """One request every 10 ms from ``start``, with the given latencies."""
    samples = []
    for i, latency in enumerate(latencies_ms):
        sent = start + i * 0.01
        samples.append(Sample(sent=sent, received=sent + latency / 1000, status=200, latency_ms=latency))
    return samples


def _drill(healthy_ms: list[list[float]], outage_ms: list[list[float]]) -> list[float]:
    samples: list[Sample] = []
    healthy, outage = [], []
    t = 0.0
    for i, latencies in enumerate(healthy_ms):
        samples += _window(t, latencies)
        healthy.append((t, t + 2.0))
        t += 3.0
        if i < len(outage_ms):
            samples += _window(t, outage_ms[i])
            outage.append((t, t + 2.0))
            t += 3.0
    return added_p99_per_cycle(samples, healthy, outage)


def test_a_cost_of_the_outage_shows_in_every_cycle_and_in_the_median() -> None:
    calm = [10.0] * 150
    slow = [40.0] * 150  # every request of the outage pays 30 ms
    added = _drill([calm] * 4, [slow] * 3)
    assert added == [30.0, 30.0, 30.0]
    assert median(added) == 30.0


def test_one_noisy_window_does_not_decide_the_verdict() -> None:
    calm = [10.0] * 150
    noisy = [10.0] * 140 + [90.0] * 10  # a burst from the rest of the machine in one window
    added = _drill([calm] * 4, [calm, noisy, calm])
    assert added[1] == 80.0
    assert median(added) == 0.0


def test_each_outage_is_compared_with_the_healthy_windows_beside_it() -> None:
    # The machine drifts slower over the drill; each outage is as slow as the windows around it.
    healthy = [[10.0] * 150, [20.0] * 150, [30.0] * 150, [40.0] * 150]
    outage = [[20.0] * 150, [30.0] * 150, [40.0] * 150]
    # Against its neighbours' p99 (the slower of the two), no cycle adds anything.
    assert _drill(healthy, outage) == [0.0, 0.0, 0.0]
