"""The limits of one prescription request (docs/architecture.md, "Contracts").

Owned by triage, because they bound what the triage service accepts; the HTTP API and the
``rxtriage triage`` command both enforce them.
"""

from __future__ import annotations

__all__ = [
    "MAX_AGE_YEARS",
    "MAX_DOSAGE_CHARS",
    "MAX_DURATION_CHARS",
    "MAX_FORM_CHARS",
    "MAX_MEDICATIONS",
    "MAX_NAME_CHARS",
    "MAX_REQUEST_BYTES",
    "MAX_STRENGTH_CHARS",
    "MAX_SYMPTOMS_CHARS",
    "MAX_WEIGHT_KG",
    "MIN_WEIGHT_KG",
]

MAX_REQUEST_BYTES = 64 * 1024
MAX_MEDICATIONS = 20
MAX_NAME_CHARS = 200
MAX_SYMPTOMS_CHARS = 2_000
MAX_STRENGTH_CHARS = 100
MAX_FORM_CHARS = 100
MAX_DOSAGE_CHARS = 500
MAX_DURATION_CHARS = 200
MAX_AGE_YEARS = 130
MIN_WEIGHT_KG = 0.2
MAX_WEIGHT_KG = 500
