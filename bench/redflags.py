"""The red-flag scan against the in-process trivial request of the same run.

``redflags_suite`` times, round-robin (``timed_rounds``, so both see the same load on a shared machine):

- ``trivial``: ``GET /api/ping/`` through Django's test client in this process: URL routing, middleware,
  token authentication, permission and throttling, and a DRF response; the app's whole trivial request
  without the network;
- ``scan_100`` / ``scan_600`` / ``scan_2000``: ``find_red_flags`` on benign symptoms of 100, 600 and
  2,000 characters (2,000 is the API's limit), the text a patient could send with no red flag in it.

The ratios ``scan_<n>_over_trivial`` (p50 / p50) are the figures to read; the target is a 2,000-character
scan costing at most one trivial request.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LENGTHS", "benign_symptoms", "redflags_lines", "redflags_suite"]

LENGTHS = (100, 600, 2000)

_BENIGN = (
    "I have had a headache and catarrh for two days, with a dry cough at night. "
    "My body is weak and I feel tired after work, and my stomach pains me after meals. "
    "No vomiting. I took paracetamol and vitamin C but the body pain continues; "
    "sometimes I sneeze in the morning and my nose is blocked. "
)


def benign_symptoms(length: int) -> str:
    """Benign symptoms cut to exactly ``length`` characters."""
    return (_BENIGN * (length // len(_BENIGN) + 1))[:length]


def redflags_suite(*, token: str, iterations: int, seconds: float) -> dict[str, Any]:
    """p50/p95... of the trivial request and of the scans, and the scans' p50 over the trivial p50."""
    from django.test import Client

    from bench.timing import summary, timed_rounds
    from rxtriage.triage.redflags import find_red_flags

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    statuses: set[int] = set()

    def trivial(_: Any) -> None:
        statuses.add(client.get("/api/ping/").status_code)

    entries: dict[str, Any] = {"trivial": (trivial, [None], None)}
    for length in LENGTHS:
        entries[f"scan_{length}"] = (find_red_flags, [benign_symptoms(length)], None)
    # At least 100 rounds and 2 s: the scans are short, and a ratio of two p50s needs many samples.
    samples = timed_rounds(
        entries, iterations=max(iterations, 100), budget_s=max(seconds, 2.0), warmup=20, min_iterations=100
    )
    out: dict[str, Any] = {name: summary(values) for name, values in samples.items()}
    if statuses != {200}:
        return {"error": f"GET /api/ping/ answered {sorted(statuses)}", **out}
    trivial_p50 = out["trivial"]["p50_us"]
    out["ratios"] = {
        f"scan_{length}_over_trivial": round(out[f"scan_{length}"]["p50_us"] / trivial_p50, 3)
        for length in LENGTHS
    }
    return out


def redflags_lines(run: dict[str, Any]) -> list[str]:
    """The report's lines for one run's ``redflags`` part."""
    part = run.get("redflags")
    if not part:
        return []
    if "error" in part:
        return [f"  red-flag scan: {part['error']}"]
    scans = ", ".join(
        f"{n} chars {part[f'scan_{n}']['p50_us']} µs ({part['ratios'][f'scan_{n}_over_trivial']}x)"
        for n in LENGTHS
    )
    return [f"  red-flag scan (p50, x in-process trivial request {part['trivial']['p50_us']} µs): {scans}"]
