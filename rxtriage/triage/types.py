"""Plain types of the triage rules: what a request says and what triage decides.

``TriageInput`` is a patient's request (medication lines as typed, free-text symptoms, duration and
optional patient facts); ``Decision`` is the outcome, whose ``as_dict()`` gives exactly the output fields
of design.md section 6: ``route``, ``urgent``, ``requires_doctor``, ``reasons``, ``red_flags`` and
``medications``.  Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rxtriage.lookup.types import LookupResult

__all__ = ["Decision", "MedicationInput", "PatientInfo", "Reason", "TriageInput", "medication_dict"]


def _text(value: Any) -> str | None:
    """A stripped string, or None for a missing or blank value."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    """A float, or None when the value is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _flag(value: Any) -> bool | None:
    """True, False, or None (unknown) from a JSON value."""
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class MedicationInput:
    """One medication line as the patient typed it."""

    name: str
    strength: str | None = None
    form: str | None = None
    dosage: str | None = None

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> MedicationInput:
        return cls(
            name=str(data.get("medicationName") or data.get("name") or ""),
            strength=_text(data.get("strength")),
            form=_text(data.get("form")),
            dosage=_text(data.get("dosage")),
        )


@dataclass(frozen=True)
class PatientInfo:
    """Optional patient facts; None means unknown (never "no")."""

    age_years: float | None = None
    weight_kg: float | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None

    @classmethod
    def from_payload(cls, data: Mapping[str, Any] | None) -> PatientInfo:
        data = data or {}
        return cls(
            age_years=_number(data.get("ageYears", data.get("age_years"))),
            weight_kg=_number(data.get("weightKg", data.get("weight_kg"))),
            pregnant=_flag(data.get("pregnant")),
            breastfeeding=_flag(data.get("breastfeeding")),
        )


@dataclass(frozen=True)
class TriageInput:
    """A patient's request: medication lines, free-text symptoms, duration and patient facts."""

    medications: tuple[MedicationInput, ...]
    symptoms: str = ""
    duration: str = ""
    patient: PatientInfo = field(default_factory=PatientInfo)

    @property
    def names(self) -> list[str]:
        """The medication names as typed, in line order (what ``lookup_many`` takes)."""
        return [line.name for line in self.medications]

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> TriageInput:
        """Read the HTTP body shape (already validated for types and limits by the API layer)."""
        lines = data.get("medications") or []
        return cls(
            medications=tuple(MedicationInput.from_payload(line) for line in lines),
            symptoms=str(data.get("symptoms") or ""),
            duration=str(data.get("duration") or ""),
            patient=PatientInfo.from_payload(data.get("patient")),
        )


@dataclass(frozen=True)
class Reason:
    """Why a decision went the way it did: a stable machine code, a human message (plain words, no
    internal tags) and, apart from the message, the machine detail behind it (``detail``: e.g. the
    red-flag code and its status, or the age gate's id)."""

    code: str
    message: str
    medication: str | None = None
    detail: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.medication is not None:
            data["medication"] = self.medication
        if self.detail:
            data["detail"] = dict(self.detail)
        return data


def medication_dict(line: MedicationInput, result: LookupResult) -> dict[str, Any]:
    """One medication's resolution (design.md section 7) plus the line's own strength/form as typed."""
    return {**result.as_dict(), "strength": line.strength, "form": line.form}


@dataclass(frozen=True)
class Decision:
    """Where a request goes and why (design.md section 6)."""

    route: str  # urgent | doctor | pharmacist
    urgent: bool
    requires_doctor: bool
    reasons: tuple[Reason, ...]
    red_flags: tuple[str, ...]
    medications: tuple[dict[str, Any], ...]

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "urgent": self.urgent,
            "requires_doctor": self.requires_doctor,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "red_flags": list(self.red_flags),
            "medications": [dict(item) for item in self.medications],
        }

    @classmethod
    def build(
        cls,
        *,
        route: str,
        reasons: Sequence[Reason],
        red_flags: Sequence[str],
        medications: Sequence[dict[str, Any]],
    ) -> Decision:
        return cls(
            route=route,
            urgent=route == "urgent",
            requires_doctor=route in ("urgent", "doctor"),
            reasons=tuple(reasons),
            red_flags=tuple(red_flags),
            medications=tuple(medications),
        )
