"""``python -m bench.profile``: where the time of one HTTP request goes, in process, under cProfile.

Runs ``POST /api/prescriptions/requests/`` (bodies from the realistic mix, as the HTTP bench sends)
and ``GET /api/ping/`` through Django's full WSGI stack (middleware, DRF, the renderer) with the
database and Redis named by ``DATABASE_URL`` and ``REDIS_URL``, and prints the CPU time per request
of each endpoint and the functions that spend it.  The database must be migrated and loaded (the
bench's ``<name>_formulary`` database is).  What the bench's README reports under "Profile" comes
from here and from py-spy on the gunicorn workers under wrk.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from typing import Any

# (label, substring of "file:line(function)") of the parts worth naming in the summary
PARTS = (
    ("auth (knox token check)", "knox/auth.py:"),
    ("throttle", "throttles.py:"),
    ("input validation (DRF serializer)", "serializers.py:"),
    ("lookup_many", "lookup/api.py:"),
    ("red-flag scan", "triage/redflags"),
    ("rules (decide)", "triage/rules.py:"),
    ("save (transaction)", "triage/services.py:"),
    ("rendering", "renderers.py:"),
)


def _client(token: str) -> Any:
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _token() -> str:
    from bench.worker import _token as token

    return token()


def _run(client: Any, kind: str, bodies: list[bytes], n: int) -> None:
    for i in range(n):
        if kind == "ping":
            response = client.get("/api/ping/")
            expect = 200
        else:
            response = client.post(
                "/api/prescriptions/requests/", bodies[i % len(bodies)], content_type="application/json"
            )
            expect = 201
        if response.status_code != expect:
            raise SystemExit(f"{kind}: {response.status_code} {response.content[:300]!r}")


def _cumulative(stats: pstats.Stats, needle: str) -> float:
    """The largest cumulative time of any function whose key holds ``needle`` (the outermost one)."""
    best = 0.0
    for (filename, line, name), (_, _, _, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        if needle in f"{filename}:{line}({name})":
            best = max(best, ct)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("-n", type=int, default=300, help="requests per endpoint (after 50 warm-up)")
    parser.add_argument("--top", type=int, default=25, help="functions listed per endpoint")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    os.environ.setdefault("RXTRIAGE_THROTTLE_RATE", "100000/s")
    import django

    django.setup()
    from bench.worker import _triage_bodies
    from rxtriage.lookup.api import default_lookup

    del default_lookup  # imported so the engine is built before timing
    names = [line.strip() for line in _names()]
    bodies = _triage_bodies([_Typed(n) for n in names], 200, 1)
    client = _client(_token())
    for kind in ("ping", "triage"):
        _run(client, kind, bodies, 50)
        profile = cProfile.Profile(time.process_time)
        start = time.process_time()
        profile.enable()
        _run(client, kind, bodies, options.n)
        profile.disable()
        cpu_ms = (time.process_time() - start) * 1000 / options.n
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        total = stats.total_tt  # type: ignore[attr-defined]
        print(f"== {kind}: {cpu_ms:.2f} ms CPU a request without the profiler's overhead estimate; "
              f"profiled {total * 1000 / options.n:.2f} ms a request")  # fmt: skip
        for label, needle in PARTS:
            share = _cumulative(stats, needle)
            if share:
                print(f"   {label:36s} {share * 1000 / options.n:7.3f} ms  {share / total:6.1%}")
        stats.sort_stats(options.sort).print_stats(options.top)
        print("\n".join(out.getvalue().splitlines()[6:]))
    return 0


class _Typed:
    def __init__(self, text: str) -> None:
        self.text = text


def _names() -> list[str]:
    return [
        "Panadol Extra", "amoxicillin 500mg caps", "Coartem", "ibuprofen 400mg", "omeprazole",
        "Flagyl", "paracetamol", "ciprofloxacin", "Augmentin 625", "metformin", "amlodipine 5mg",
        "Lonart DS", "vitamin c", "loratadine", "ORS", "artemether lumefantrine", "diclofenac",
        "tramadol 50mg", "salbutamol inhaler", "ampiclox",
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
