"""The curation loop's public functions (the CLI, the admin and the review console call these).

Every name that resolved to nothing or needed confirmation is counted by its normalised key;
pharmacists approve a key as a name of a medicine or reject it as not a medicine.
"""

from __future__ import annotations

from rxtriage.curation.selectors import CurationItem, curation_export, curation_list
from rxtriage.curation.services import (
    CurationError,
    curation_approve,
    curation_key,
    curation_reject,
    unresolved_names_record,
)

__all__ = [
    "CurationError",
    "CurationItem",
    "curation_approve",
    "curation_export",
    "curation_key",
    "curation_list",
    "curation_reject",
    "unresolved_names_record",
]
