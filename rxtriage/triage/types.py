"""Plain types of the triage rules: what a request says and what triage decides.

``TriageInput`` is a patient's request (medication lines as typed, free-text symptoms, duration and
optional patient facts); ``Decision`` is the outcome, whose ``as_dict()`` gives exactly the output fields
of docs/architecture.md section 6: ``route``, ``urgent``, ``requires_doctor``, ``reasons``, ``red_flags`` and
``medications``.  Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rxtriage.lookup.types import LookupResult, ResultDict
from rxtriage.triage import limits

__all__ = [
    "Decision",
    "MedicationInput",
    "MedicationResult",
    "PatientInfo",
    "Reason",
    "TriageInput",
    "TriageInputError",
    "medication_dict",
]


class TriageInputError(ValueError):
    """A request the triage service does not accept; ``code`` is stable, ``field`` says where."""

    def __init__(self, message: str, *, field: str, code: str = "validation_error") -> None:
        super().__init__(f"{field}: {message}")
        self.code = code
        self.field = field


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


def _strict_text(
    data: Mapping[str, Any], key: str, *, field: str, max_chars: int, required: bool = False
) -> str:
    """``data[key]``: a JSON string of at most ``max_chars`` without NUL characters; a required one must
    not be blank, a missing optional one is ``""``."""
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise TriageInputError("Must be a string.", field=field)
    if "\x00" in value:
        raise TriageInputError("NUL characters are not allowed.", field=field)
    if not value.isascii() and _has_lone_surrogate(value):
        raise TriageInputError("Unpaired surrogate characters are not allowed.", field=field)
    if len(value) > max_chars:
        raise TriageInputError(f"At most {max_chars} characters.", field=field)
    if required and not value.strip():
        raise TriageInputError("Must not be blank.", field=field)
    return value


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _strict_number(data: Mapping[str, Any], key: str, *, low: float, high: float) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise TriageInputError(f"Must be a number from {low} to {high}.", field=f"patient.{key}")
    return float(value)


def _strict_flag(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise TriageInputError("Must be true or false.", field=f"patient.{key}")
    return value


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

    @classmethod
    def parse(cls, data: Any, *, position: int) -> MedicationInput:
        """One line of a request as sent, checked strictly (see :meth:`TriageInput.parse`)."""
        where = f"medications.{position}"
        if not isinstance(data, Mapping):
            raise TriageInputError("Must be an object.", field=where)

        def text(key: str, max_chars: int, required: bool = False) -> str:
            return _strict_text(data, key, field=f"{where}.{key}", max_chars=max_chars, required=required)

        return cls(
            name=text("medicationName", limits.MAX_NAME_CHARS, required=True),
            strength=_text(text("strength", limits.MAX_STRENGTH_CHARS)),
            form=_text(text("form", limits.MAX_FORM_CHARS)),
            dosage=_text(text("dosage", limits.MAX_DOSAGE_CHARS)),
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

    @classmethod
    def parse(cls, data: Any) -> PatientInfo:
        """The ``patient`` object as sent, checked strictly."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise TriageInputError("Must be an object.", field="patient")
        return cls(
            age_years=_strict_number(data, "ageYears", low=0, high=limits.MAX_AGE_YEARS),
            weight_kg=_strict_number(data, "weightKg", low=limits.MIN_WEIGHT_KG, high=limits.MAX_WEIGHT_KG),
            pregnant=_strict_flag(data, "pregnant"),
            breastfeeding=_strict_flag(data, "breastfeeding"),
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

    @classmethod
    def parse(cls, data: Any) -> TriageInput:
        """A request as sent (the HTTP body's shape), checked strictly against the request limits.

        Accepts what ``POST /api/prescriptions/requests/`` accepts: 1 to ``MAX_MEDICATIONS`` lines,
        each with a non-blank ``medicationName``; strings only where strings are expected, within
        their limits, without NUL characters.  Raises :class:`TriageInputError` otherwise.
        """
        if not isinstance(data, Mapping):
            raise TriageInputError("Must be an object.", field="request")
        lines = data.get("medications")
        if not isinstance(lines, list) or not lines:
            raise TriageInputError("At least one medication is needed.", field="medications")
        if len(lines) > limits.MAX_MEDICATIONS:
            raise TriageInputError(f"At most {limits.MAX_MEDICATIONS} medications.", field="medications")
        return cls(
            medications=tuple(MedicationInput.parse(line, position=i) for i, line in enumerate(lines)),
            symptoms=_strict_text(data, "symptoms", field="symptoms", max_chars=limits.MAX_SYMPTOMS_CHARS),
            duration=_strict_text(data, "duration", field="duration", max_chars=limits.MAX_DURATION_CHARS),
            patient=PatientInfo.parse(data.get("patient")),
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


class MedicationResult(ResultDict):
    """One medication of a decision: its resolution plus the line's own strength and form as typed."""

    strength: str | None
    form: str | None


def medication_dict(line: MedicationInput, result: LookupResult) -> MedicationResult:
    """One medication's resolution (docs/architecture.md section 7) plus the line's own strength/form as
    typed."""
    return {**result.as_dict(), "strength": line.strength, "form": line.form}


@dataclass(frozen=True)
class Decision:
    """Where a request goes and why (docs/architecture.md section 6)."""

    route: str  # urgent | doctor | pharmacist
    urgent: bool
    requires_doctor: bool
    reasons: tuple[Reason, ...]
    red_flags: tuple[str, ...]
    medications: tuple[MedicationResult, ...]

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
        medications: Sequence[MedicationResult],
    ) -> Decision:
        return cls(
            route=route,
            urgent=route == "urgent",
            requires_doctor=route in ("urgent", "doctor"),
            reasons=tuple(reasons),
            red_flags=tuple(red_flags),
            medications=tuple(medications),
        )
