"""The requests the drills send: medication names the formulary knows exactly, and request bodies."""

from __future__ import annotations

from collections.abc import Callable

from devtools.load import NEW_CONNECTION, Request, bearer

__all__ = ["EXACT_NAMES", "lookup_mix", "triage_body"]

# Names the shipped formulary resolves by an exact names-index match (no fuzzy tier): the lookup
# path whose cost a Redis outage changes (cache round trip vs one indexed query).
EXACT_NAMES = (
    "Panadol 500mg",
    "Amoxil 500mg caps",
    "Flagyl 400",
    "Coartem",
    "Metformin 500mg",
    "Amlodipine 5mg",
    "Ibuprofen 400mg",
    "Ciprofloxacin 500mg",
    "Augmentin 625",
    "Omeprazole 20mg",
    "Loratadine",
    "Vitamin C",
)


def triage_body(names: list[str], symptoms: str = "mild headache since yesterday") -> dict[str, object]:
    return {
        "medications": [{"medicationName": name} for name in names],
        "symptoms": symptoms,
        "duration": "2 days",
    }


def lookup_mix(token: str, triage_every: int = 4) -> Callable[[int, int], Request]:
    """Resolve two names per request; every ``triage_every``-th request is a full triage POST.  Each on
    a new connection, so the load reaches every worker."""
    headers = {**bearer(token), **NEW_CONNECTION}

    def make(client: int, i: int) -> Request:
        a = EXACT_NAMES[(client * 7 + i) % len(EXACT_NAMES)]
        b = EXACT_NAMES[(client * 3 + i * 5 + 1) % len(EXACT_NAMES)]
        if triage_every and i % triage_every == triage_every - 1:
            return Request("POST", "/api/prescriptions/requests/", triage_body([a]), headers, "triage")
        return Request("POST", "/api/drugs/resolve/", {"names": [a, b]}, headers, "resolve")

    return make
