"""Plain, JSON-safe types of the drug lookup (what the cache stores and the API returns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

__all__ = ["DrugInfo", "LookupResult", "NameRow", "Normalized", "Resolution", "Strength"]


class DrugInfo(TypedDict):
    """The drug fields a caller needs: design.md section 7, plus routing facts."""

    id: int
    generic_name: str
    display_name: str
    schedule: str
    controlled_basis: str | None
    high_alert: bool
    drug_class: str
    atc_code: str
    components: list[str]
    aware: str | None
    eml: str
    pregnancy_avoid: bool


@dataclass(frozen=True)
class NameRow:
    """One row of the names index, joined with its drug."""

    name: str  # the name key (rxtriage.lookup.keys.name_key)
    kind: str  # generic | brand | synonym | co_name | abbreviation
    drug: DrugInfo


@dataclass(frozen=True)
class Strength:
    """What a text states as strength: every figure in a mass unit, in mg and in order ("37.5/325mg" ->
    37.5, 325.0), and the bare numbers left in the name ("Augmentin 625" -> 625.0: never mg by itself)."""

    figures_mg: tuple[float, ...] = ()
    numbers: tuple[float, ...] = ()


@dataclass(frozen=True)
class Normalized:
    """What normalisation makes of one typed name.

    ``text`` is the cleaned name shown to users ("panadol extra"); ``keys`` are the names-index keys to
    try, most specific first (e.g. with and without a trailing number); the exact tier looks all of
    them up in one query.  ``strength``/``form`` are what was split off, for the triage rules.
    """

    input: str
    text: str
    keys: tuple[str, ...]
    strength_mg: float | None = None
    strength_text: str | None = None
    form: str | None = None
    strength: Strength = Strength()
    glued_number: bool = False  # letters with digits glued on ("abc123"): never an abbreviation

    @property
    def cache_text(self) -> str:
        """What the resolution depends on (hashed into the cache key): the keys, and the glue."""
        return "\x1f".join(self.keys) + ("\x1fglued" if self.glued_number else "")


@dataclass
class Resolution:
    """The outcome of matching one normalised name (cached, so JSON-safe and free of user text)."""

    match: str  # generic | brand | synonym | co_name | abbreviation | fuzzy | none
    score: float
    confirm: bool
    drug: DrugInfo | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # e.g. ambiguous, error_prone_abbreviation, not_a_medicine

    def as_dict(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "score": self.score,
            "confirm": self.confirm,
            "drug": self.drug,
            "candidates": self.candidates,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            match=data["match"],
            score=data["score"],
            confirm=data["confirm"],
            drug=data["drug"],
            candidates=list(data.get("candidates") or []),
            note=data.get("note"),
        )


@dataclass(frozen=True)
class LookupResult:
    """One result of ``lookup_many``: design.md section 7's resolve output."""

    input: str
    normalized: str
    match: str
    score: float
    confirm: bool
    drug: DrugInfo | None
    candidates: list[dict[str, Any]]
    note: str | None = None
    strength_mg: float | None = None
    form: str | None = None
    strength: Strength = Strength()

    @property
    def found(self) -> bool:
        return self.drug is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "normalized": self.normalized,
            "match": self.match,
            "score": self.score,
            "confirm": self.confirm,
            "drug": self.drug,
            "candidates": self.candidates,
            "note": self.note,
            "reason": self.reason,
        }

    @property
    def reason(self) -> str | None:
        """Why no medicine was resolved, as a stable code (``not_in_formulary``, ``not_a_medicine``,
        ``ambiguous``, ``error_prone_abbreviation``, ``look_alike_sound_alike``, ``not_found``); None
        when one was."""
        if self.drug is not None:
            return None
        return self.note or "not_found"
