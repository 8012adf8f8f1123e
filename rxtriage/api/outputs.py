"""Response bodies of the hot path, built by plain functions.

A DRF serializer deep-copies its declared fields on every instance, and a triage decision nests four
serializers (request, decision, medications, drugs): about a fifth of a triage request's CPU went
there (bench/README.md, "Profile").  These functions give exactly what the serializers in
``rxtriage.api.serializers`` give, field by field, in the same order; the serializers stay the
declared shape of the OpenAPI schema, and ``tests/api/test_api_outputs.py`` checks that both agree.

The rules followed are DRF's: a ``None`` value is ``null`` whatever the field; a missing key is
``null`` for a field that allows null, and left out for an optional field that does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

__all__ = ["decision_output", "prescription_request_created_output"]

_DATETIME = serializers.DateTimeField()  # ISO 8601 in the current time zone, "Z" for UTC


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _strings(values: Any) -> list[str | None] | None:
    return None if values is None else [_str(v) for v in values]


# (field, convert, when the key is missing: "null" or "skip")
_DRUG_FIELDS: tuple[tuple[str, Any, str | None], ...] = (
    ("id", _int, None),
    ("generic_name", _str, None),
    ("display_name", _str, None),
    ("schedule", _str, None),
    ("controlled_basis", _str, "null"),
    ("high_alert", _bool, None),
    ("drug_class", _str, None),
    ("atc_code", _str, None),
    ("components", _strings, None),
    ("aware", _str, "null"),
    ("eml", _str, "skip"),
    ("pregnancy_avoid", _bool, "skip"),
)


def _record(data: Mapping[str, Any], fields: tuple[tuple[str, Any, str | None], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, convert, missing in fields:
        if name in data:
            out[name] = convert(data[name])
        elif missing == "null":
            out[name] = None
        elif missing is None:
            raise KeyError(name)
    return out


def _drug(drug: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if drug is None else _record(drug, _DRUG_FIELDS)


def _candidates(items: Any) -> list[Any] | None:
    if items is None:
        return None
    return [None if c is None else {str(k): v for k, v in c.items()} for c in items]


def _medication(item: Mapping[str, Any]) -> dict[str, Any]:
    """``MedicationResolutionSerializer``: a lookup result plus the line's strength and form."""
    return {
        "input": _str(item["input"]),
        "normalized": _str(item["normalized"]),
        "match": _str(item["match"]),
        "score": _float(item["score"]),
        "confirm": _bool(item["confirm"]),
        "drug": _drug(item.get("drug")),
        "candidates": _candidates(item["candidates"]),
        "note": _str(item.get("note")),
        "reason": _str(item.get("reason")),
        "strength": _str(item.get("strength")),
        "form": _str(item.get("form")),
    }


def _reason(reason: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": _str(reason["code"]),
        "message": _str(reason["message"]),
        "medication": _str(reason.get("medication")),
    }
    if "detail" in reason:  # ``DictField(child=CharField(), required=False)``: omitted when absent
        out["detail"] = {str(key): _str(value) for key, value in reason["detail"].items()}
    return out


def decision_output(decision: Mapping[str, Any]) -> dict[str, Any]:
    """``DecisionSerializer``: a triage decision as stored with its request."""
    reasons, flags, medications = decision["reasons"], decision["red_flags"], decision["medications"]
    return {
        "route": _str(decision["route"]),
        "urgent": _bool(decision["urgent"]),
        "requires_doctor": _bool(decision["requires_doctor"]),
        "reasons": None if reasons is None else [None if r is None else _reason(r) for r in reasons],
        "red_flags": _strings(flags),
        "medications": None
        if medications is None
        else [None if m is None else _medication(m) for m in medications],
    }


def prescription_request_created_output(*, obj: Any) -> dict[str, Any]:
    """``PrescriptionRequestCreatedSerializer``: the 201 body of ``POST /api/prescriptions/requests/``."""
    return {
        "id": _int(obj.id),
        "status": _str(obj.status),
        "created_at": None if obj.created_at is None else _DATETIME.to_representation(obj.created_at),
        "triage": None if obj.decision is None else decision_output(obj.decision),
    }
