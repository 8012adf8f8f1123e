"""The API's limits (docs/architecture.md section 7), in one place for the serializers, middleware and
docs; the limits of a prescription request are the triage service's (``rxtriage.triage.limits``)."""

from __future__ import annotations

from rxtriage.triage.limits import (
    MAX_DOSAGE_CHARS,
    MAX_DURATION_CHARS,
    MAX_FORM_CHARS,
    MAX_MEDICATIONS,
    MAX_NAME_CHARS,
    MAX_STRENGTH_CHARS,
    MAX_SYMPTOMS_CHARS,
)
from rxtriage.triage.limits import MAX_REQUEST_BYTES as MAX_BODY_BYTES

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DOSAGE_CHARS",
    "MAX_DURATION_CHARS",
    "MAX_FORM_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_MEDICATIONS",
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "MAX_RESOLVE_NAMES",
    "MAX_SEARCH_LIMIT",
    "MAX_STRENGTH_CHARS",
    "MAX_SYMPTOMS_CHARS",
    "PAGE_SIZE",
]

MAX_NOTE_CHARS = 2_000
MAX_RESOLVE_NAMES = 50
MAX_SEARCH_LIMIT = 50
MAX_JSON_DEPTH = 16
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000_000
