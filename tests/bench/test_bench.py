"""The benchmarks: ``python -m bench --quick --json`` writes the documented JSON; its parts are sound.

No timed assertions: the machine is shared, so only shapes, counts and determinism are checked.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from bench.accuracy import labelled_set
from bench.control import trigram_similarity
from bench.generator import mix_stream, rank_by_commonness, synthetic_records, typo
from bench.report import SCHEMA, Report, run_ratios
from bench.runner import REPO_ROOT
from rxtriage.formulary.datafile import read_records, record_names

RATIOS = ("control_over_hot_mix", "control_over_cold_mix", "l2_hit_over_raw_get", "batch3_over_single",
          "http_triage_over_trivial")  # fmt: skip
LAYERS = ("control", "cold", "redis_hot", "l1_hot")
SCENARIOS = ("exact_generic", "brand", "typo", "non_medicine", "batch3", "mix")


def _on_services() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and bool(
        settings.REDIS_URL
    )


def _bench_argv(out: Path) -> list[str]:
    argv = [sys.executable, "-m", "bench", "--quick", "--json", str(out)]
    if _on_services():  # the configured servers, in the bench's own database and key prefix
        url = urlsplit(os.environ["DATABASE_URL"])
        own = f"{url.path.strip('/') or 'rxtriage'}_bench_test"  # beside the test database, not shared
        argv += ["--database-url", urlunsplit(url._replace(path=f"/{own}")),
                 "--redis-url", settings.REDIS_URL]  # fmt: skip
    else:
        argv.append("--no-services")
    return argv


@pytest.mark.slow
def test_a_quick_bench_writes_the_documented_json_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        _bench_argv(out), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ratios" in done.stdout and "targets:" in done.stdout
    data = json.loads(out.read_text())
    assert data["schema"] == SCHEMA and data["mode"] == "quick"
    for key in ("cpu_model", "cores", "load_before", "load_after", "python", "django", "date"):
        assert key in data["machine"]
    assert set(RATIOS) <= set(data["ratios"])
    for name in RATIOS:
        value = data["ratios"][name]
        if name == "l2_hit_over_raw_get" and not _on_services():
            assert value is None  # no Redis: the part is skipped, and said so
            assert any(item["part"] == "redis" for item in data["skipped"])
        else:
            assert isinstance(value, int | float) and not isinstance(value, bool), (name, value)
    run = data["runs"][0]
    assert run["size"] == "formulary" and run["medicines"] >= 500
    shares = run["cpu_shares"]  # the machine worked while the bench ran
    assert shares["busy"] > 0 and 0 <= shares["iowait"] <= 1 and 0 <= shares["steal"] <= 1
    assert f"CPU busy {shares['busy']:.0%}" in done.stdout
    for layer in LAYERS:
        if layer == "redis_hot" and not run["redis"]:
            assert run["lookup"][layer] is None
            continue
        for scenario in SCENARIOS:
            figures = run["lookup"][layer][scenario]
            assert figures["n"] > 0 and figures["p50_us"] > 0
            assert figures["db_queries_per_request"] >= 0
    assert run["lookup"]["control"]["exact_generic"]["db_queries_per_request"] >= 1
    assert run["lookup"]["l1_hot"]["exact_generic"]["db_queries_per_request"] < 0.5
    assert run["floor"]["indexed_select"]["p50_us"] > 0
    assert run["accuracy"]["rxtriage"]["all"]["n"] == sum(len(v) for v in labelled_set().values())
    http = run["http"]["endpoints"]
    for endpoint in ("ping", "triage"):
        for connections in ("10", "50"):
            assert http[endpoint][connections]["requests"] > 0
            assert http[endpoint][connections]["errors"] == 0
    paced = run["http"]["paced"]  # below capacity: each connection pauses between requests
    assert paced["connections"] == 10 and paced["pause_ms"] > 0
    for endpoint in ("ping", "triage"):
        assert paced[endpoint]["requests"] > 0 and paced[endpoint]["errors"] == 0
    assert paced["triage"]["rps"] < http["triage"]["10"]["rps"]
    assert run["http"]["worker_peak_rss_mb_max"] > 0
    ids = {"hot_mix_vs_control", "http_p99_10", "http_p99_paced", "worker_memory_100k"}
    assert {t["id"] for t in data["targets"]} >= ids
    if importlib.util.find_spec("matplotlib") is None:  # the chart needs the bench extra
        assert data["chart"] is None and any(item["part"] == "chart" for item in data["skipped"])
    else:
        assert data["chart"] and Path(data["chart"]).stat().st_size > 10_000


def test_the_generator_is_deterministic_and_never_reuses_a_real_name() -> None:
    real = read_records()
    taken = {e.key for r in real for e in record_names(r)}
    first = list(synthetic_records(300, seed=5, taken=set(taken)))
    again = list(synthetic_records(300, seed=5, taken=set(taken)))
    assert first == again
    keys = [e.key for r in first for e in record_names(r)]
    assert len(keys) == len(set(keys)) and not set(keys) & taken
    assert list(synthetic_records(100, seed=5, taken=set(taken))) == first[:100]


def test_the_realistic_mix_has_exactly_the_repeat_share_asked_for() -> None:
    stream = mix_stream(rank_by_commonness(read_records()), length=1000, seed=3)
    assert len(stream) == 1000
    assert sum(item.repeat for item in stream) == 950
    assert any(item.kind == "non_medicine" for item in stream)
    assert stream[0].repeat is False


def test_a_typo_changes_a_long_word_by_one_slip() -> None:
    rng = random.Random(1)
    for word in ("paracetamol", "metronidazole", "amoxicillin"):
        slipped = typo(word, rng)
        assert slipped != word or len(set(word)) < len(word)
        assert abs(len(slipped) - len(word)) <= 1


def test_the_controls_trigram_similarity_is_pg_trgms() -> None:
    assert trigram_similarity("paracetamol", "paracetamol") == 1.0
    assert trigram_similarity("banana", "metformin") == 0.0
    # PostgreSQL 15: SELECT similarity('paracetamol', 'paracetomol') -> 0.6 (9 shared of 15 trigrams)
    assert trigram_similarity("paracetamol", "paracetomol") == pytest.approx(0.6)


def test_every_labelled_medicine_is_in_the_shipped_formulary() -> None:
    generics = {r.generic_name for r in read_records()}
    for category, items in labelled_set().items():
        for text, expected in items:
            assert expected is None or expected in generics, (category, text, expected)


def test_ratios_and_targets_come_out_as_plain_numbers_from_the_raw_figures() -> None:
    def stat(p50: float, q: float = 0.0, mean: float | None = None) -> dict[str, float]:
        return {
            "n": 10,
            "p50_us": p50,
            "p99_us": p50 * 2,
            "mean_us": mean or p50,
            "db_queries_per_request": q,
        }

    run = {
        "backend": "postgres+redis", "size": "100k", "medicines": 100_000, "names": 330_000, "redis": True,
        "lookup": {
            "control": {"mix": stat(5000, 2.0, 6000), "batch3": stat(9000, 3.0)},
            "cold": {"mix": stat(100, 0.05, 300), "exact_generic": stat(800, 1.0), "batch3": stat(1000, 1.0),
                     "typo": stat(4000, 2.0)},
            "redis_hot": {"exact_generic": stat(200), "batch3": stat(250), "mix": stat(200)},
            "l1_hot": {"mix": stat(20, 0.0, 30), "exact_generic": stat(20), "batch3": stat(40)},
        },
        "floor": {"redis_get": stat(100), "redis_mget3": stat(110)},
        "http": {"endpoints": {"ping": {"10": {"rps": 1000.0}},
                               "triage": {"10": {"rps": 700.0, "p99_ms": 20.0}}},
                 "worker_peak_rss_mb_max": 120.0},
    }  # fmt: skip
    ratios = run_ratios(run)
    assert ratios["control_over_hot_mix"] == 200.0
    assert ratios["control_over_cold_mix"] == 20.0
    assert ratios["l2_hit_over_raw_get"] == 2.0
    assert ratios["batch3_over_single"] == 1.25
    assert ratios["http_triage_over_trivial"] == 0.7
    assert ratios["db_query_reduction_mix"] == 0.975
    report = Report(mode="full", skipped=[], runs=[run])
    report.finish(chart_path=None)
    assert report.ratios["control_over_hot_mix"] == 200.0
    verdicts = {t["id"]: t["met"] for t in report.targets}
    assert verdicts["hot_mix_vs_control"] is True
    assert verdicts["cold_fuzzy_100k"] is False  # 4 ms > 3 ms
    assert verdicts["worker_memory_100k"] is True


def test_cpu_shares_are_each_states_part_of_the_time_between_two_readings() -> None:
    from bench.machine import cpu_shares, cpu_times

    before = {"user": 100, "nice": 0, "system": 50, "idle": 700, "iowait": 40, "irq": 0, "softirq": 10}
    after = {**before, "user": 160, "idle": 800, "iowait": 60, "steal": 20}
    assert cpu_shares({**before, "steal": 0}, after) == {"busy": 0.3, "iowait": 0.1, "steal": 0.1}
    assert cpu_shares(before, before) is None and cpu_shares(None, after) is None
    now = cpu_times()
    assert now is None or now["idle"] > 0
