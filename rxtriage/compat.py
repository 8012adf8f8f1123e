"""The seed system's public names, kept so its callers keep working.

Each is a thin alias over the project's own API; new code should call that API directly:

=====================================  =================================================================
seed system's name                     the project's own
=====================================  =================================================================
``find_drug_in_database(name)``        ``rxtriage.lookup.api.lookup_one(name=...)``
``batch_find_drugs(names)``            ``rxtriage.lookup.api.lookup_many(names=...)``
``categorize_prescription_request(r)`` ``rxtriage.triage.services.triage_request(payload=...)``
=====================================  =================================================================

The seed system called them positionally, so they stay positional here (the project's own functions
are keyword-only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rxtriage.lookup.api import lookup_many, lookup_one
from rxtriage.lookup.types import LookupResult
from rxtriage.triage.services import triage_request

__all__ = ["batch_find_drugs", "categorize_prescription_request", "find_drug_in_database"]


def find_drug_in_database(name: str) -> LookupResult:
    """The seed system's name for :func:`rxtriage.lookup.api.lookup_one`."""
    return lookup_one(name=name)


def batch_find_drugs(names: Sequence[str]) -> list[LookupResult]:
    """The seed system's name for :func:`rxtriage.lookup.api.lookup_many`."""
    return lookup_many(names=names)


def _medication_line(item: Any) -> dict[str, Any]:
    """One medication line in the HTTP body's shape from a name, a dict or an object."""
    if isinstance(item, str):
        return {"medicationName": item}
    if isinstance(item, Mapping):
        return dict(item)
    name = getattr(item, "medicationName", None) or getattr(item, "medication_name", None)
    return {
        "medicationName": name or getattr(item, "name", "") or "",
        "strength": getattr(item, "strength", "") or "",
        "form": getattr(item, "form", "") or "",
        "dosage": getattr(item, "dosage", "") or "",
    }


def _payload_of(request: Any) -> dict[str, Any]:
    """The HTTP body shape of a payload dict, a saved request, or a seed-style request object."""
    if isinstance(request, Mapping):
        return dict(request)
    raw = getattr(request, "raw", None)
    if isinstance(raw, Mapping):
        return dict(raw)
    return {
        "medications": [_medication_line(item) for item in getattr(request, "medications", None) or []],
        "symptoms": getattr(request, "symptoms", "") or "",
        "duration": getattr(request, "duration", "") or "",
    }


def categorize_prescription_request(request: Any) -> dict[str, Any]:
    """The seed system's name: the decision (as a dict) for a payload dict or a request-like object."""
    return triage_request(payload=_payload_of(request)).as_dict()
