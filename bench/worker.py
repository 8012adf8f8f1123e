"""One benchmark run (a backend and a size), in its own process: ``python -m bench.worker SPEC OUT``.

The orchestrator (``bench.runner``) starts it with the bench's environment (``DATABASE_URL``
of a bench database or an embedded SQLite file in a temporary folder, ``REDIS_URL`` of the bench's Redis
database, ``DRUG_CACHE_PREFIX`` under the bench prefix), since settings are read at import.  Progress
goes to stderr as ``PROGRESS <text>`` lines; the result is written to OUT as JSON.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["main"]


def _progress(message: str) -> None:
    print(f"PROGRESS {message}", file=sys.stderr, flush=True)


def _redis_clear(redis_url: str | None, prefix: str) -> int:
    """Delete the bench's own keys (SCAN + DEL on its prefix; never FLUSHDB)."""
    if not redis_url:
        return 0
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=2000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    client.close()
    return deleted


def _requests_clear() -> None:
    """Forget the prescription requests of earlier runs (the bench database's own)."""
    from django.db import connection

    from rxtriage.triage.models import MedicationLine, PrescriptionRequest

    if connection.vendor == "postgresql":
        tables = ", ".join(m._meta.db_table for m in (MedicationLine, PrescriptionRequest))
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        MedicationLine.objects.all().delete()
        PrescriptionRequest.objects.all().delete()


_SYMPTOMS = (
    "headache and fever for two days",
    "cough and catarrh",
    "body pain",
    "malaria symptoms, bitter taste in the mouth",
    "stomach pain after meals",
    "refill of my usual medicine",
    "",
    "chest pain and shortness of breath",  # a red flag now and then
)


def _triage_bodies(mix: list[Any], count: int, seed: int) -> list[bytes]:
    """Request bodies of one to three medications from the realistic mix."""
    rng = random.Random(seed)
    bodies: list[bytes] = []
    position = 0
    for _ in range(count):
        size = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        names = [mix[(position + k) % len(mix)].text for k in range(size)]
        position += size
        body = {
            "medications": [{"medicationName": n, "strength": "", "form": "", "dosage": ""} for n in names],
            "symptoms": rng.choices(_SYMPTOMS, weights=(6, 6, 6, 6, 4, 4, 4, 1))[0],
            "duration": rng.choice(("2 days", "1 week", "3 days", "")),
        }
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


def _token() -> str:
    """A fresh token of the bench's patient user (its earlier tokens revoked first: knox reads every
    token of the user on each request, so stale ones would slow the benchmark down)."""
    from django.core.management import call_command

    try:
        from rxtriage.api.services import account_ensure, tokens_revoke

        tokens_revoke(user=account_ensure(username="bench", role="patient"))
    except ImportError:
        pass
    out = io.StringIO()
    call_command("create_token", "bench", role="patient", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


PACED_SHARE = 0.5  # the paced HTTP load offers half the triage endpoint's measured capacity


def _http_suite(spec: dict[str, Any], mix: list[Any], progress: Callable[[str], None]) -> dict[str, Any]:
    from bench.httpload import load_combine, load_run, worker_peak_rss_mb
    from devtools.appserver import AppServer

    http = spec["http"]
    try:
        token = _token()
    except Exception as exc:  # the API is not there (yet)
        return {"skipped": f"no API token: {type(exc).__name__}: {exc}"}
    bodies = _triage_bodies(mix, 200, spec["seed"])
    server = AppServer(dict(os.environ), workers=http["workers"], name="bench", access_log=False)
    progress(f"HTTP: starting rxtriage serve with {http['workers']} workers")
    server.start()
    out: dict[str, Any] = {"workers": http["workers"], "endpoints": {"ping": {}, "triage": {}}}
    endpoints = {
        "ping": ("GET", "/api/ping/", [], 200),
        "triage": ("POST", "/api/prescriptions/requests/", bodies, 201),
    }
    try:
        # Warm-up, not recorded: until every worker answers (on a loaded machine the workers' first
        # requests, which import and build what they use, can take seconds; a short fixed warm-up then
        # left the first measured slice with no answer at all).
        for method, path, payloads, expect in endpoints.values():
            for _ in range(30):
                warm = load_run(server=server, method=method, path=path, token=token, bodies=payloads,
                                connections=10, seconds=http["warmup_seconds"], max_requests=100_000,
                                expect=expect, tool=http["tool"])  # fmt: skip
                if warm.requests >= 2 * http["workers"]:
                    break
        # The two endpoints take turns in short slices, so that both see the same load from the rest of
        # the (shared) machine; each figure pools its endpoint's slices.
        rounds = http.get("rounds", 1)
        for connections in http["connections"]:
            slices: dict[str, list[Any]] = {name: [] for name in endpoints}
            for turn in range(rounds):
                order = list(endpoints.items()) if turn % 2 == 0 else list(endpoints.items())[::-1]
                for name, (method, path, payloads, expect) in order:
                    progress(f"HTTP: {name} at {connections} connections, slice {turn + 1}/{rounds} "
                             f"of {http['seconds'] / rounds:.1f} s")  # fmt: skip
                    slices[name].append(load_run(
                        server=server, method=method, path=path, token=token, bodies=payloads,
                        connections=connections, seconds=http["seconds"] / rounds,
                        max_requests=http["max_requests"], expect=expect, tool=http["tool"],
                    ))  # fmt: skip
            for name, parts in slices.items():
                out["endpoints"][name][str(connections)] = {
                    **load_combine(parts).as_dict(),
                    "slices": len(parts),
                }
        # Paced: 10 connections, each pausing between requests so that together they offer about
        # PACED_SHARE of the triage endpoint's capacity measured above; both endpoints at the same pace.
        # A closed loop at full tilt measures a queue (10 connections at 100 req/s wait 100 ms on
        # average whatever a request costs); this measures the requests.
        capacity = (out["endpoints"]["triage"].get("10") or {}).get("rps")
        if capacity:
            pause_ms = 10 * 1000 / (capacity * PACED_SHARE)
            paced: dict[str, Any] = {"connections": 10, "share_of_capacity": PACED_SHARE,
                                     "pause_ms": round(pause_ms, 1)}  # fmt: skip
            for name, (method, path, payloads, expect) in endpoints.items():
                progress(f"HTTP: {name} paced, 10 connections pausing {pause_ms:.0f} ms")
                paced[name] = load_run(
                    server=server, method=method, path=path, token=token, bodies=payloads,
                    connections=10, seconds=http["seconds"], max_requests=http["max_requests"],
                    expect=expect, tool=http["tool"], pause_ms=pause_ms,
                ).as_dict()  # fmt: skip
            out["paced"] = paced
        pids = server.worker_pids()
        peaks = worker_peak_rss_mb(pids)
        out["worker_peak_rss_mb"] = peaks
        out["worker_peak_rss_mb_max"] = max(peaks.values()) if peaks else None
        out["master_peak_rss_mb"] = worker_peak_rss_mb([server.proc.pid]).get(str(server.proc.pid))  # type: ignore[union-attr]
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc} {server.log_tail(5)}"
    finally:
        server.stop()
    return out


def _fuzzy_mode(fuzzy_backend: str) -> dict[str, Any]:
    """Which fuzzy backend the lookup uses here, and (in process) how long its name index takes to build:
    the first fuzzy lookup of each server process pays that once per formulary version."""
    from bench.scenarios import cache_make, lookup_make

    lookup = lookup_make(cache_make(redis=False, prefix="bench:index:", l1=False), fuzzy_backend)
    if lookup._use_trigram():
        return {"fuzzy_mode": "trigram", "fuzzy_index_build_ms": None}
    start = time.perf_counter()
    lookup._name_index()
    return {"fuzzy_mode": "memory", "fuzzy_index_build_ms": round((time.perf_counter() - start) * 1000, 1)}


def run(spec: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from bench.accuracy import accuracy_of
    from bench.control import control_lookup
    from bench.dataset import dataset_load
    from bench.floor import floor_suite
    from bench.redflags import redflags_suite
    from bench.scenarios import (
        Budget,
        cache_make,
        lookup_make,
        lookup_suite,
        mix_profile,
        pools_build,
    )
    from rxtriage.formulary.datafile import read_records
    from rxtriage.formulary.keys import name_key

    redis_url = os.environ.get("REDIS_URL") or None
    prefix = spec["prefix"]
    started = time.perf_counter()
    result: dict[str, Any] = {"backend": spec["backend"], "size": spec["size_label"]}
    progress("migrating")
    if settings.EMBEDDED_DATABASE:
        from rxtriage.bootstrap import ensure_ready

        ensure_ready()
    else:
        call_command("migrate", interactive=False, verbosity=0)
    dataset = dataset_load(size=spec["size"], seed=spec["seed"], progress=progress)
    _requests_clear()
    _redis_clear(redis_url, prefix)
    result.update(
        medicines=dataset.medicines, names=dataset.names, load_seconds=round(dataset.load_seconds, 2),
        dataset_reused=dataset.reused, database=connection.vendor, redis=bool(redis_url),
        fuzzy_backend=spec["fuzzy_backend"],
    )  # fmt: skip
    budget = Budget(**spec["budget"])
    real_count = len(read_records())
    pools = pools_build(dataset.records, real_count=real_count, seed=spec["seed"], budget=budget)
    result["mix"] = mix_profile(pools.mix)
    result.update(_fuzzy_mode(spec["fuzzy_backend"]))
    try:
        result["lookup"] = lookup_suite(
            pools, budget=budget, redis=bool(redis_url), prefix=prefix, fuzzy_backend=spec["fuzzy_backend"],
            progress=progress,
        )  # fmt: skip
        progress("floor: raw Redis GET/MGET, bare indexed SELECT")
        result["floor"] = floor_suite(
            redis_url=redis_url, prefix=prefix, names=[name_key(r[0]) for r in pools.exact_generic],
            iterations=budget.hot_iterations, seconds=budget.seconds,
        )  # fmt: skip
        progress("accuracy on the labelled set")
        ours = lookup_make(
            cache_make(redis=False, prefix=f"{prefix}accuracy:", l1=False), spec["fuzzy_backend"]
        )

        def our_answer(text: str) -> tuple[str | None, bool]:
            found = ours.lookup_one(name=text)
            return (found.drug["generic_name"] if found.drug else None), found.confirm

        result["accuracy"] = {"rxtriage": accuracy_of(our_answer)}
        progress("red-flag scan beside the in-process trivial request")
        result["redflags"] = redflags_suite(
            token=_token(), iterations=budget.hot_iterations, seconds=budget.seconds
        )
        if spec["control_accuracy"]:

            def control_answer(text: str) -> tuple[str | None, bool]:
                drug = control_lookup(text)
                return (drug.generic_name if drug else None), False

            result["accuracy"]["control"] = accuracy_of(control_answer)
        if spec["http"]["enabled"]:
            result["http"] = _http_suite(spec, pools.mix, progress)
    finally:
        _redis_clear(redis_url, prefix)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    with open(argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    result = run(spec, _progress)
    with open(argv[2], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
