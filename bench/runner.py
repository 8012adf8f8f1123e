"""The orchestrator of ``python -m bench``: plan the runs, give each its own database and process, gather.

Isolation: the bench never touches the user's data.  On PostgreSQL it creates and uses its own
databases, one per size (``<name>_formulary``, ``<name>_10k``, ``<name>_100k`` after the database name of
``--database-url``, which itself is never touched); on Redis it uses its own database and key prefix and
deletes only its own keys (SCAN + DEL, never FLUSHDB); the embedded run uses a temporary SQLite file.
Each run is a child process with its own environment, since settings are read at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.machine import cpu_shares, cpu_times, machine_conditions, service_versions
from bench.report import Report

#: The checkout's root: helper processes run ``python -m bench...``/``drills...`` from here.
REPO_ROOT = Path(__file__).resolve().parents[1]

__all__ = ["SIZES", "BenchOptions", "run"]

SIZES: dict[str, int | None] = {"formulary": None, "10k": 10_000, "100k": 100_000}

QUICK_BUDGET = {
    "hot_iterations": 300, "cold_iterations": 40, "control_iterations": 12, "seconds": 0.5, "count_calls": 10,
    "mix_length": 400, "pool_size": 30,
}  # fmt: skip
FULL_BUDGET = {
    "hot_iterations": 5000, "cold_iterations": 300, "control_iterations": 150, "seconds": 3.0,
    "count_calls": 40, "mix_length": 4000, "pool_size": 120,
}  # fmt: skip


@dataclass
class BenchOptions:
    quick: bool = False
    json_path: str | None = None
    chart_path: str | None = None
    database_url: str = "postgres://postgres@127.0.0.1:5432/rxtriage_bench"
    redis_url: str = "redis://127.0.0.1:6379/13"
    prefix: str = "bench:"
    services: bool = True
    sizes: list[str] | None = None
    embedded: bool | None = None  # None: in the full run, and in --quick when services are missing
    http: bool = True
    http_seconds: float | None = None
    http_tool: str = "auto"
    workers: int | None = None
    seed: int = 1
    fuzzy_backend: str = "auto"
    skipped: list[dict[str, str]] = field(default_factory=list)


def _say(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _public(url: str) -> str:
    """The URL without its credentials' password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _postgres_ready(url: str) -> str | None:
    """None when PostgreSQL answers; else why not."""
    try:
        import psycopg

        with psycopg.connect(_with_db(url, "postgres"), connect_timeout=3):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def _redis_ready(url: str) -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        client.ping()
        client.close()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _database_ensure(url: str) -> None:
    """Create the bench database of ``url`` if it does not exist (connecting to ``postgres``)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_with_db(url, "postgres"), autocommit=True, connect_timeout=3) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _base_env(prefix: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="rxtriage.settings",
        RXTRIAGE_ENV="development",
        RXTRIAGE_LOG_LEVEL="WARNING",
        DRUG_CACHE_PREFIX=f"{prefix}drug:",
        # One bench user sends every request: the throttle stays on, with a rate the load cannot reach.
        RXTRIAGE_THROTTLE_RATE="100000/s",
    )
    return env


def _default_workers() -> int:
    """What ``rxtriage serve`` starts without ``--workers``."""
    from rxtriage.ops.management.commands.serve import default_workers

    return default_workers()


@dataclass
class _Plan:
    backend: str  # "postgres+redis" | "postgres" | "embedded"
    size_label: str
    env: dict[str, str]
    control_accuracy: bool

    @property
    def label(self) -> str:
        return f"{self.backend}/{self.size_label}"


def _plans(options: BenchOptions, tmp: Path, started: float) -> list[_Plan]:
    plans: list[_Plan] = []
    base = _base_env(options.prefix)
    sizes = options.sizes or (["formulary"] if options.quick else list(SIZES))
    postgres_error = _postgres_ready(options.database_url) if options.services else "--no-services"
    redis_error = _redis_ready(options.redis_url) if options.services else "--no-services"
    if postgres_error:
        options.skipped.append({"part": "postgres", "reason": f"PostgreSQL not used: {postgres_error}"})
        _say(f"PostgreSQL not used ({postgres_error}): its runs are skipped", started)
    if redis_error:
        options.skipped.append({"part": "redis", "reason": f"Redis not used: {redis_error}"})
        _say(f"Redis not used ({redis_error}): Redis layers and the Redis floor are skipped", started)
    embedded = (
        options.embedded if options.embedded is not None else (not options.quick or bool(postgres_error))
    )
    if embedded:
        env = {**base, "RXTRIAGE_DATA_DIR": str(tmp / "embedded")}
        plans.append(_Plan("embedded", "formulary", env, control_accuracy=True))
    if not postgres_error:
        backend = "postgres" if redis_error else "postgres+redis"
        db_name = urlsplit(options.database_url).path.lstrip("/") or "rxtriage_bench"
        for i, label in enumerate(sizes):
            url = _with_db(options.database_url, f"{db_name}_{label}")
            env = {**base, "DATABASE_URL": url, "RXTRIAGE_DATA_DIR": str(tmp / f"data_{label}")}
            if not redis_error:
                env["REDIS_URL"] = options.redis_url
            plans.append(_Plan(backend, label, env, control_accuracy=i == 0))
    return plans


def _spec(options: BenchOptions, plan: _Plan) -> dict[str, Any]:
    http_seconds = options.http_seconds or (4.0 if options.quick else 12.0)
    return {
        "backend": plan.backend,
        "size_label": plan.size_label,
        "size": SIZES[plan.size_label],
        "seed": options.seed,
        "prefix": options.prefix,
        "fuzzy_backend": options.fuzzy_backend,
        "budget": QUICK_BUDGET if options.quick else FULL_BUDGET,
        "control_accuracy": plan.control_accuracy,
        "http": {
            "enabled": options.http,
            "seconds": http_seconds,
            "warmup_seconds": 0.5 if options.quick else 2.0,
            "connections": [10, 50],
            "rounds": 2 if options.quick else 4,
            "workers": options.workers or _default_workers(),
            "tool": options.http_tool,
            "max_requests": 200_000,
        },
    }


def _run_worker(plan: _Plan, spec: dict[str, Any], tmp: Path, started: float) -> dict[str, Any]:
    spec_path, out_path = (
        tmp / f"{plan.backend}-{plan.size_label}.spec.json",
        tmp / f"{plan.backend}-{plan.size_label}.json",
    )
    spec_path.write_text(json.dumps(spec))
    Path(plan.env["RXTRIAGE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.worker", str(spec_path), str(out_path)]
    process = subprocess.Popen(
        argv, env=plan.env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    tail: list[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        line = line.rstrip()
        if line.startswith("PROGRESS "):
            _say(f"{plan.label}: {line[9:]}", started)
        elif line:
            tail = [*tail[-30:], line]
    code = process.wait()
    if code != 0 or not out_path.exists():
        raise RuntimeError(f"the {plan.label} run failed (exit {code}):\n" + "\n".join(tail[-15:]))
    return json.loads(out_path.read_text())


def run(options: BenchOptions) -> int:
    """Run the benchmarks; print the table; write the JSON and the chart.  Returns an exit code."""
    started = time.perf_counter()
    before = machine_conditions()
    report = Report(mode="quick" if options.quick else "full", skipped=options.skipped)
    with tempfile.TemporaryDirectory(prefix="rxtriage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        plans = _plans(options, tmp, started)
        if not options.http:
            options.skipped.append({"part": "http", "reason": "--no-http"})
        for index, plan in enumerate(plans, 1):
            _say(f"run {index}/{len(plans)}: {plan.label}", started)
            if "DATABASE_URL" in plan.env:
                _database_ensure(plan.env["DATABASE_URL"])
            cpu_before = cpu_times()
            try:
                result = _run_worker(plan, _spec(options, plan), tmp, started)
            except RuntimeError as exc:
                options.skipped.append({"part": plan.label, "reason": str(exc)})
                _say(str(exc), started)
                continue
            result["cpu_shares"] = cpu_shares(cpu_before, cpu_times())
            http = result.get("http") or {}
            if "skipped" in http or "error" in http:
                options.skipped.append(
                    {"part": f"{plan.label} http", "reason": http.get("skipped") or http["error"]}
                )
            report.runs.append(result)
    report.accuracy_ner = _ner(options, started)
    after = machine_conditions()
    report.machine = {
        **before,
        "load_before": before["load"],
        "load_after": after["load"],
        "mem_available_mb_after": after["mem_available_mb"],
        **service_versions(
            options.database_url if any(r["database"] == "postgresql" for r in report.runs) else None,
            options.redis_url if any(r["redis"] for r in report.runs) else None,
        ),
    }
    report.machine.pop("load", None)
    report.config = {
        "database_url": _public(options.database_url) if options.services else None,
        "redis_url": _public(options.redis_url) if options.services else None,
        "prefix": options.prefix,
        "seed": options.seed,
        "budget": QUICK_BUDGET if options.quick else FULL_BUDGET,
        "http_workers": options.workers or _default_workers(),
        "fuzzy_backend": options.fuzzy_backend,
    }
    report.duration_s = round(time.perf_counter() - started, 1)
    chart = options.chart_path or (
        str(Path(options.json_path).with_suffix(".png")) if options.json_path else None
    )
    report.finish(chart_path=chart)
    print(report.table(), flush=True)
    if options.json_path:
        Path(options.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(options.json_path).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
        _say(f"JSON written to {options.json_path}", started)
    if report.chart_written:
        _say(f"chart written to {chart}", started)
    return 0 if report.runs else 1


def _ner(options: BenchOptions, started: float) -> dict[str, Any] | None:
    try:
        import drug_named_entity_recognition  # noqa: F401
    except ImportError:
        options.skipped.append({
            "part": "accuracy.drug_ner",
            "reason": "drug-named-entity-recognition is not installed (pip install 'rxtriage[bench]')",
        })  # fmt: skip
        return None
    from bench.accuracy import ner_accuracy

    _say("accuracy of drug-named-entity-recognition on the labelled set", started)
    return ner_accuracy()
