"""The triage rules: small named predicates in one explicit, ordered ``RULESET`` (design.md section 6).

``decide(request=..., results=...)`` evaluates every rule of ``RULESET`` in order.  A rule returns a list
of ``Reason`` (possibly empty) or ``None`` when it does not apply (no medications, no age known...); each
evaluation is logged at DEBUG with its codes only (symptom text is never logged).  The route follows from
the reasons' codes, first match wins:

1. ``urgent``      any reason whose effect is *urgent* (an affirmed or uncertain red flag);
2. ``doctor``      else any reason whose effect is *doctor*;
3. ``pharmacist``  otherwise (every medication OTC or pharmacy-only, no red flag), with the reason
   ``pharmacist_supply`` so that every decision is explained by at least one reason.

Reason codes (stable; clients may branch on them):

===============================  ==========  ============================================================
code                             effect      when
===============================  ==========  ============================================================
red_flag                         urgent      an affirmed red flag in the symptoms (domain.md 4.1)
red_flag_uncertain               urgent      an uncertain red flag ("not sure if it's chest pain")
symptom_needs_review             doctor      a resolved ("bleeding has stopped") or past ("had a seizure
                                             last year") red flag: never cleared to the pharmacist
infant_fever_amber               doctor      3-6 months old with >= 39 C (NICE NG143 amber)
treatment_failure                doctor      symptoms not improving on treatment ("malaria not
                                             responding to treatment"): review, never a refill
no_medications                   doctor      a request without any medication line: a consultation
unrecognised_medication          doctor      a name not resolved, ambiguous, refused or not a medicine
not_in_formulary                 doctor      the exact name of a known medicine the formulary does not
                                             stock: never turned into another medicine (design 4)
unknown_schedule                 doctor      a resolved record whose schedule is not otc|pharmacy|pom|
                                             controlled (data error: never guess)
controlled_substance             doctor      schedule ``controlled`` (or a UN/national controlled basis)
prescription_only                doctor      schedule ``pom``
high_alert                       doctor      an ISMP high-alert medicine (domain.md 4.3)
antibiotic                       doctor      a systemic antibiotic: POM in Nigeria (domain.md 4.4)
watch_reserve_antibiotic         doctor      WHO AWaRe Watch or Reserve antibiotic
specialist_medicine              doctor      WHO EML complementary-list medicine
pregnancy_caution                doctor      a medicine to avoid in pregnancy, patient pregnant
                                             (facts, or affirmed/uncertain in the symptoms)
pregnancy_check                  note        the same medicine, pregnancy unknown, could be pregnant
breastfeeding_caution            doctor      codeine or tramadol while breastfeeding
age_gate                         doctor      a child below a medicine's age gate (domain.md 4.6)
young_infant                     doctor      any medicine for a child < 2 months or < 5 kg
tramadol_strength_over_100mg     doctor      compliance flag: tramadol above 100 mg is not a registered
                                             product in Nigeria (NAFDAC 2018)
codeine_cough_preparation        doctor      compliance flag: codeine cough/cold preparation (FMoH ban,
                                             1 May 2018): not supplied, misuse review
tramadol_seizure_caution         doctor      tramadol with any seizure mention (it lowers the threshold)
red_flag_hypothetical            note        a red flag mentioned hypothetically ("if I get chest pain")
red_flag_family_history          note        a red flag of a relative ("my mother had a stroke")
confirm_identity                 note        a resolved name to be confirmed by a human (fuzzy, LASA)
pharmacist_supply                note        route is pharmacist: nothing above applied
===============================  ==========  ============================================================

Choices where the documents are silent (documented for sign-off):
- A request with no medication goes to a doctor (``no_medications``): nobody can supply nothing safely,
  and a patient who only describes symptoms needs a consultation.
- Pregnancy unknown + a pregnancy-avoid medicine: a ``pregnancy_check`` note only (domain.md 4.5:
  "Unknown -> pharmacist"), unless another rule routes to a doctor anyway.
- Age and pregnancy written in the symptoms ("my 5 year old", "I am pregnant") count when the patient
  facts leave them unknown; an affirmed pregnancy in the text overrides ``pregnant: false``.
- Tramadol strength is read with the lookup's strength parser (one owner of units and strengths): from
  the line's strength field and the typed name as the lookup parsed it, including a bare number after a
  tramadol name ("tramadol 225"), since tramadol has no sum-of-parts strengths; for a combination only
  the first number counts (tramadol 37.5/325).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rxtriage.lookup.normalize import strength_parse
from rxtriage.lookup.types import DrugInfo, LookupResult
from rxtriage.triage.redflags import (
    PRESENT,
    RedFlagScan,
    find_red_flags,
    flag_messages,
    load_red_flag_rules,
    read_data,
    strings,
)
from rxtriage.triage.types import Decision, MedicationInput, Reason, TriageInput, medication_dict

__all__ = [
    "REASON_EFFECTS",
    "RULESET",
    "DrugRules",
    "Facts",
    "Line",
    "Match",
    "decide",
    "evaluate",
    "load_drug_rules",
    "route_for",
]

logger = logging.getLogger(__name__)

URGENT, DOCTOR, NOTE = "urgent", "doctor", "note"

REASON_EFFECTS: Mapping[str, str] = {
    "red_flag": URGENT,
    "red_flag_uncertain": URGENT,
    "symptom_needs_review": DOCTOR,
    "infant_fever_amber": DOCTOR,
    "treatment_failure": DOCTOR,
    "no_medications": DOCTOR,
    "unrecognised_medication": DOCTOR,
    "not_in_formulary": DOCTOR,
    "unknown_schedule": DOCTOR,
    "controlled_substance": DOCTOR,
    "prescription_only": DOCTOR,
    "high_alert": DOCTOR,
    "antibiotic": DOCTOR,
    "watch_reserve_antibiotic": DOCTOR,
    "specialist_medicine": DOCTOR,
    "pregnancy_caution": DOCTOR,
    "pregnancy_check": NOTE,
    "breastfeeding_caution": DOCTOR,
    "age_gate": DOCTOR,
    "young_infant": DOCTOR,
    "tramadol_strength_over_100mg": DOCTOR,
    "codeine_cough_preparation": DOCTOR,
    "tramadol_seizure_caution": DOCTOR,
    "red_flag_hypothetical": NOTE,
    "red_flag_family_history": NOTE,
    "confirm_identity": NOTE,
    "pharmacist_supply": NOTE,
}

SCHEDULES = ("otc", "pharmacy", "pom", "controlled")
NOT_CONTROLLING_BASES = frozenset({"precursor_1988"})  # a precursor is not, by itself, a controlled drug
REFUSING_NOTES = frozenset({"ambiguous", "error_prone_abbreviation", "not_a_medicine", "refused"})

_NAME_WORDS = re.compile(r"[a-z0-9]+")


# ------------------------------------------------------------------------------------------ rule data


@dataclass(frozen=True)
class Match:
    """Which medicines a rule concerns (see the header of ``data/drug_rules.yaml``)."""

    generic_names: frozenset[str] = frozenset()
    atc_prefixes: tuple[str, ...] = ()
    class_words: tuple[str, ...] = ()
    name_words: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, raw: Mapping[str, Any] | None) -> Match:
        raw = raw or {}
        return cls(
            generic_names=frozenset(strings(raw.get("generic_names"), "generic_names")),
            atc_prefixes=strings(raw.get("atc_prefixes"), "atc_prefixes"),
            class_words=strings(raw.get("class_words"), "class_words"),
            name_words=strings(raw.get("name_words"), "name_words"),
        )

    def matches(self, line: Line) -> bool:
        drug = line.drug
        by_drug = drug is not None and (
            bool(self.generic_names & line.generics)
            or drug["atc_code"].startswith(self.atc_prefixes or ("\0",))
            or any(word in drug["drug_class"].lower() for word in self.class_words)
        )
        return by_drug or any(w.startswith(self.name_words) for w in line.words if self.name_words)


@dataclass(frozen=True)
class AgeGate:
    id: str
    min_age_years: float
    reference: str
    match: Match


@dataclass(frozen=True)
class DrugRules:
    """``data/drug_rules.yaml``, parsed."""

    raw: Mapping[str, Any]
    tramadol: Match
    codeine: Match
    breastfeeding_avoid: Match
    pregnancy_avoid: Match
    high_alert: Match
    age_gates: tuple[AgeGate, ...]

    def section(self, name: str) -> Mapping[str, Any]:
        section: Mapping[str, Any] = self.raw[name]
        return section


@lru_cache(maxsize=1)
def load_drug_rules() -> DrugRules:
    """``data/drug_rules.yaml``, read once per process."""
    raw = read_data("drug_rules.yaml")
    gates = tuple(
        AgeGate(g["id"], float(g["min_age_years"]), g["reference"], Match.from_data(g["match"]))
        for g in raw["age_gates"]
    )
    return DrugRules(
        raw=raw,
        tramadol=Match.from_data(raw["tramadol"]["match"]),
        codeine=Match.from_data(raw["codeine_cough"]["match"]),
        breastfeeding_avoid=Match.from_data(raw["breastfeeding"]["avoid"]),
        pregnancy_avoid=Match.from_data(raw["pregnancy"]["avoid"]),
        high_alert=Match.from_data(raw["high_alert"]),
        age_gates=gates,
    )


# ----------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Line:
    """One medication line: what was typed and what the lookup made of it."""

    typed: MedicationInput
    result: LookupResult

    @property
    def drug(self) -> DrugInfo | None:
        return self.result.drug

    @property
    def label(self) -> str:
        return self.typed.name

    @property
    def generics(self) -> frozenset[str]:
        """The record's generic name, its parts ("a/b") and its components."""
        if self.drug is None:
            return frozenset()
        name = self.drug["generic_name"]
        return frozenset({name, *name.split("/"), *(self.drug.get("components") or [])})

    @property
    def words(self) -> tuple[str, ...]:
        """Lower-case words of the typed name, strength and form."""
        text = " ".join(filter(None, (self.typed.name, self.typed.strength, self.typed.form)))
        return tuple(_NAME_WORDS.findall(text.lower()))

    @property
    def is_combination(self) -> bool:
        return len(self.generics - {self.drug["generic_name"] if self.drug else ""}) > 1


@dataclass(frozen=True)
class Facts:
    """Everything the rules read: the request, its resolved lines, the symptom scan and the rule data."""

    request: TriageInput
    lines: tuple[Line, ...]
    scan: RedFlagScan
    rules: DrugRules
    age_years: float | None
    weight_kg: float | None
    pregnant: bool | None
    breastfeeding: bool | None


def _fact_from_text(given: bool | None, scan: RedFlagScan, concept: str) -> bool | None:
    """A yes/no fact: the patient facts, overridden to True by an affirmed/uncertain mention."""
    if scan.mentions(concept, PRESENT):
        return True
    if given is None and scan.mentions(concept, ("negated",)):
        return False
    return given


def gather_facts(request: TriageInput, results: Sequence[LookupResult]) -> Facts:
    patient = request.patient
    scan = find_red_flags(request.symptoms, age_years=patient.age_years, pregnant=patient.pregnant)
    return Facts(
        request=request,
        lines=tuple(Line(typed, result) for typed, result in zip(request.medications, results, strict=True)),
        scan=scan,
        rules=load_drug_rules(),
        age_years=patient.age_years if patient.age_years is not None else scan.age_years,
        weight_kg=patient.weight_kg,
        pregnant=_fact_from_text(patient.pregnant, scan, "pregnancy"),
        breastfeeding=_fact_from_text(patient.breastfeeding, scan, "breastfeeding"),
    )


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _per_line(facts: Facts, reason: Callable[[Line], Reason | None]) -> list[Reason] | None:
    """A per-medication rule: not applicable without medications."""
    if not facts.lines:
        return None
    return [r for r in (reason(line) for line in facts.lines) if r is not None]


def _drug_reason(code: str, message: str, line: Line, test: Callable[[DrugInfo], bool]) -> Reason | None:
    if line.drug is None or not test(line.drug):
        return None
    return Reason(code, message.format(name=line.label), line.label)


# --------------------------------------------------------------------------------- symptom predicates


def red_flags_present(facts: Facts) -> list[Reason]:
    """Affirmed or uncertain red flags: urgent (design.md 6, rule 1)."""
    messages = flag_messages()
    line = load_red_flag_rules().emergency_line
    return [
        Reason(
            "red_flag" if f.status == "affirmed" else "red_flag_uncertain",
            f"{messages[f.code]} Call {line} or go to the nearest emergency department now.",
            detail=(("flag", f.code), ("status", f.status)),
        )
        for f in facts.scan.present
    ]


def red_flags_resolved_or_past(facts: Facts) -> list[Reason]:
    """A resolved or past red flag is never cleared: a doctor reviews it (domain.md 4.2)."""
    return [
        Reason(
            "symptom_needs_review",
            f"{_label(f.code)} is mentioned as {f.status}: a doctor should review it.",
            detail=(("flag", f.code), ("status", f.status)),
        )
        for f in facts.scan.with_status("resolved", "history")
    ]


def treatment_failure(facts: Facts) -> list[Reason]:
    """Symptoms not improving on treatment: a doctor reviews them (red_flags.yaml ``treatment_failure``)."""
    found = facts.scan.concept("treatment_failure")
    if not found:
        return []
    return [Reason("treatment_failure", "Symptoms not improving on treatment need a doctor's review.")]


def red_flags_hypothetical(facts: Facts) -> list[Reason]:
    """Hypothetical mentions are recorded, not urgent."""
    return [
        Reason(
            "red_flag_hypothetical",
            f"{_label(f.code)} was mentioned hypothetically.",
            detail=(("flag", f.code), ("status", f.status)),
        )
        for f in facts.scan.with_status("hypothetical")
    ]


def red_flags_family(facts: Facts) -> list[Reason]:
    """A relative's history is recorded, it is not the patient's."""
    return [
        Reason(
            "red_flag_family_history",
            f"{_label(f.code)} of a relative was mentioned.",
            detail=(("flag", f.code), ("status", f.status)),
        )
        for f in facts.scan.with_status("family")
    ]


def infant_fever_amber(facts: Facts) -> list[Reason] | None:
    """3-6 months old with >= 39 C: amber (NICE NG143), a doctor the same day."""
    numeric = load_red_flag_rules().numeric
    age, temperature = facts.age_years, facts.scan.temperature_c
    if age is None or temperature is None:
        return None
    amber = numeric["infant_red_max_age_years"] <= age < numeric["infant_amber_max_age_years"]
    if amber and temperature >= numeric["infant_amber_min_celsius"]:
        message = f"A baby of 3-6 months with {temperature:g} C needs a doctor today (NICE NG143 amber)."
        return [Reason("infant_fever_amber", message)]
    return []


# ------------------------------------------------------------------------------- medication predicates


def no_medications(facts: Facts) -> list[Reason]:
    """Nothing to supply: a consultation with a doctor."""
    if facts.lines:
        return []
    return [Reason("no_medications", "The request names no medication: a doctor will consult.")]


def _unrecognised(line: Line) -> Reason | None:
    note = line.result.note
    if line.drug is not None and note not in REFUSING_NOTES:
        return None
    if note == "not_in_formulary":
        message = f"'{line.label}' is a medicine this formulary does not stock: a doctor must decide."
        return Reason("not_in_formulary", message, line.label)
    why = {
        "ambiguous": "matches more than one medicine",
        "error_prone_abbreviation": "is an error-prone abbreviation",
        "not_a_medicine": "is not a medicine name",
        "look_alike_sound_alike": "looks or sounds like another medicine",
    }.get(note or "", "was not recognised")
    return Reason("unrecognised_medication", f"'{line.label}' {why}: a doctor must check it.", line.label)


def unrecognised_medication(facts: Facts) -> list[Reason] | None:
    """An unresolved name never "guesses and continues" (domain.md 3.5)."""
    return _per_line(facts, _unrecognised)


def unknown_schedule(facts: Facts) -> list[Reason] | None:
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "unknown_schedule",
            "{name}: the formulary gives no usable schedule.",
            line,
            lambda d: d["schedule"] not in SCHEDULES,
        ),
    )


def _controlled(drug: DrugInfo) -> bool:
    basis = drug.get("controlled_basis")
    return drug["schedule"] == "controlled" or bool(basis and basis not in NOT_CONTROLLING_BASES)


def controlled_substance(facts: Facts) -> list[Reason] | None:
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "controlled_substance",
            "{name} is a controlled medicine: a doctor must prescribe it.",
            line,
            _controlled,
        ),
    )


def prescription_only(facts: Facts) -> list[Reason] | None:
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "prescription_only",
            "{name} is prescription-only: a doctor must prescribe it.",
            line,
            lambda d: d["schedule"] == "pom",
        ),
    )


def high_alert(facts: Facts) -> list[Reason] | None:
    """ISMP high-alert: the record's flag, or a high-alert class in drug_rules.yaml."""
    match = facts.rules.high_alert
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "high_alert",
            "{name} is a high-alert medicine (ISMP).",
            line,
            lambda d: d["high_alert"] or match.matches(line),
        ),
    )


def _systemic_antibiotic(drug: DrugInfo, prefixes: tuple[str, ...]) -> bool:
    return bool(drug.get("aware")) or drug["atc_code"].startswith(prefixes)


def antibiotic(facts: Facts) -> list[Reason] | None:
    """All systemic antibiotics are POM in Nigeria: never without a prescription (domain.md 4.4)."""
    prefixes = tuple(facts.rules.section("antibiotics")["systemic_atc_prefixes"])
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "antibiotic",
            "{name} is an antibiotic: it needs a doctor's prescription (stewardship).",
            line,
            lambda d: _systemic_antibiotic(d, prefixes),
        ),
    )


def watch_reserve_antibiotic(facts: Facts) -> list[Reason] | None:
    groups = frozenset(facts.rules.section("antibiotics")["doctor_aware_groups"])
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "watch_reserve_antibiotic",
            "{name} is a WHO AWaRe Watch/Reserve antibiotic.",
            line,
            lambda d: d.get("aware") in groups,
        ),
    )


def specialist_medicine(facts: Facts) -> list[Reason] | None:
    values = frozenset(facts.rules.section("specialist")["eml_values"])
    return _per_line(
        facts,
        lambda line: _drug_reason(
            "specialist_medicine",
            "{name} is a specialist (WHO EML complementary) medicine.",
            line,
            lambda d: d.get("eml") in values,
        ),
    )


# ----------------------------------------------------------------------------- patient-fact predicates


def _avoid_in_pregnancy(facts: Facts, line: Line) -> bool:
    if line.drug is None:
        return False
    return bool(line.drug.get("pregnancy_avoid")) or facts.rules.pregnancy_avoid.matches(line)


PREGNANCY_REASONS = {
    True: ("pregnancy_caution", "{name} should be avoided in pregnancy: a doctor must decide."),
    False: ("pregnancy_check", "{name} should be avoided in pregnancy: ask whether the patient is pregnant."),
}


def _could_be_pregnant(facts: Facts) -> bool:
    low, high = facts.rules.section("pregnancy")["childbearing_age_years"]
    return facts.age_years is None or low <= facts.age_years <= high


def pregnancy(facts: Facts) -> list[Reason] | None:
    """Pregnancy-avoid medicine: doctor when pregnant; a check note when pregnancy is unknown."""
    if facts.pregnant is False or not (facts.pregnant or _could_be_pregnant(facts)):
        return None
    code, text = PREGNANCY_REASONS[bool(facts.pregnant)]
    return _per_line(
        facts,
        lambda line: (
            Reason(code, text.format(name=line.label), line.label)
            if _avoid_in_pregnancy(facts, line)
            else None
        ),
    )


def breastfeeding(facts: Facts) -> list[Reason] | None:
    """Codeine and tramadol while breastfeeding (NAFDAC notice)."""
    if not facts.breastfeeding:
        return None
    match = facts.rules.breastfeeding_avoid
    return _per_line(
        facts,
        lambda line: (
            Reason("breastfeeding_caution", f"{line.label} is not advised while breastfeeding.", line.label)
            if match.matches(line)
            else None
        ),
    )


def _gates_failed(facts: Facts, line: Line, age: float) -> list[Reason]:
    return [
        Reason(
            "age_gate",
            f"{line.label} is not for children under {gate.min_age_years:g} years.",
            line.label,
            detail=(("gate", gate.id),),
        )
        for gate in facts.rules.age_gates
        if age < gate.min_age_years and gate.match.matches(line)
    ]


def age_gate(facts: Facts) -> list[Reason] | None:
    """A child below a medicine's age gate (domain.md 4.6)."""
    if facts.age_years is None or not facts.lines:
        return None
    age = facts.age_years
    return [reason for line in facts.lines for reason in _gates_failed(facts, line, age)]


def young_infant(facts: Facts) -> list[Reason] | None:
    """Any medicine for a child under 2 months or under 5 kg (domain.md 4.6)."""
    limits = facts.rules.section("young_infant")
    if (facts.age_years is None and facts.weight_kg is None) or not facts.lines:
        return None
    too_young = facts.age_years is not None and facts.age_years < limits["max_age_years"]
    too_light = facts.weight_kg is not None and facts.weight_kg < limits["min_weight_kg"]
    if not (too_young or too_light):
        return []
    return [Reason("young_infant", "A baby under 2 months or under 5 kg needs a doctor for any medicine.")]


# ---------------------------------------------------------------------------------- compliance flags


def tramadol_mg(line: Line) -> float | None:
    """The tramadol strength of a line, as the lookup parsed it: the typed strength field and the typed
    name (a bare number too: "tramadol 225"; tramadol has no sum-of-parts strengths).

    For a combination (tramadol/paracetamol 37.5/325) only the first figure is tramadol's.
    """
    stated, named = strength_parse(line.typed.strength or ""), line.result.strength
    if line.is_combination:
        firsts = [(s.figures_mg or s.numbers)[0] for s in (stated, named) if s.figures_mg or s.numbers]
        return firsts[0] if firsts else None
    found = [*stated.figures_mg, *stated.numbers, *named.figures_mg]
    if not named.figures_mg:
        found += named.numbers
    if line.result.strength_mg is not None:
        found.append(float(line.result.strength_mg))
    return max(found, default=None)


def tramadol_strength(facts: Facts) -> list[Reason] | None:
    """Tramadol above 100 mg is not a registered product in Nigeria: refuse and flag (domain.md 1.3)."""
    section = facts.rules.section("tramadol")
    limit = float(section["max_legal_mg"])

    def check(line: Line) -> Reason | None:
        mg = tramadol_mg(line) if facts.rules.tramadol.matches(line) else None
        if mg is None or mg <= limit:
            return None
        message = (
            f"{line.label}: tramadol {mg:g} mg exceeds the {limit:g} mg maximum registered strength; "
            "not a legitimate product (NAFDAC 2018)."
        )
        return Reason("tramadol_strength_over_100mg", message, line.label)

    return _per_line(facts, check)


def _is_cough_preparation(line: Line, section: Mapping[str, Any]) -> bool:
    words = set(section["liquid_or_cough_words"])
    typed = set(line.words) | set(_NAME_WORDS.findall((line.result.form or "").lower()))
    if typed & words:
        return True
    drug = line.drug
    if drug is None or not line.is_combination:
        return False
    by_class = any(w in drug["drug_class"].lower() for w in section["combination_class_words"])
    return by_class or drug["atc_code"].startswith(tuple(section["combination_atc_prefixes"]))


def codeine_cough_preparation(facts: Facts) -> list[Reason] | None:
    """Codeine cough preparations are banned (FMoH, 1 May 2018): not supplied; flag for misuse review."""
    section = facts.rules.section("codeine_cough")
    return _per_line(
        facts,
        lambda line: (
            Reason(
                "codeine_cough_preparation",
                f"{line.label}: codeine cough preparations are banned in Nigeria "
                "(FMoH, 1 May 2018); not supplied, flagged for misuse review.",
                line.label,
            )
            if facts.rules.codeine.matches(line) and _is_cough_preparation(line, section)
            else None
        ),
    )


def tramadol_seizure_caution(facts: Facts) -> list[Reason] | None:
    """Tramadol lowers the seizure threshold: any seizure mention (now, past, possible) is a caution."""
    statuses = ("affirmed", "uncertain", "history", "resolved", "hypothetical")
    if not facts.scan.mentions("seizure", statuses):
        return None
    return _per_line(
        facts,
        lambda line: (
            Reason(
                "tramadol_seizure_caution",
                f"{line.label}: tramadol lowers the seizure threshold and a seizure was mentioned.",
                line.label,
            )
            if facts.rules.tramadol.matches(line)
            else None
        ),
    )


def confirm_identity(facts: Facts) -> list[Reason] | None:
    """A resolved name a human should confirm (fuzzy, look-alike/sound-alike): the route is unchanged."""
    return _per_line(
        facts,
        lambda line: (
            Reason(
                "confirm_identity",
                f"Confirm that '{line.label}' means {line.drug['display_name']}.",
                line.label,
            )
            if line.drug and line.result.confirm
            else None
        ),
    )


# ----------------------------------------------------------------------------------------- the ruleset

Rule = Callable[[Facts], "list[Reason] | None"]

RULESET: tuple[tuple[str, Rule], ...] = (
    ("red_flags_present", red_flags_present),
    ("red_flags_resolved_or_past", red_flags_resolved_or_past),
    ("red_flags_hypothetical", red_flags_hypothetical),
    ("red_flags_family", red_flags_family),
    ("treatment_failure", treatment_failure),
    ("infant_fever_amber", infant_fever_amber),
    ("no_medications", no_medications),
    ("unrecognised_medication", unrecognised_medication),
    ("unknown_schedule", unknown_schedule),
    ("controlled_substance", controlled_substance),
    ("prescription_only", prescription_only),
    ("high_alert", high_alert),
    ("antibiotic", antibiotic),
    ("watch_reserve_antibiotic", watch_reserve_antibiotic),
    ("specialist_medicine", specialist_medicine),
    ("pregnancy", pregnancy),
    ("breastfeeding", breastfeeding),
    ("age_gate", age_gate),
    ("young_infant", young_infant),
    ("tramadol_strength", tramadol_strength),
    ("codeine_cough_preparation", codeine_cough_preparation),
    ("tramadol_seizure_caution", tramadol_seizure_caution),
    ("confirm_identity", confirm_identity),
)


def evaluate(facts: Facts, ruleset: Iterable[tuple[str, Rule]] = RULESET) -> list[Reason]:
    """Every rule in order; DEBUG logs each outcome by code (never the symptom text)."""
    reasons: list[Reason] = []
    for name, rule in ruleset:
        found = rule(facts)
        logger.debug(
            "triage rule %s: %s", name, "not applicable" if found is None else [r.code for r in found] or "no"
        )
        reasons += found or []
    return reasons


def route_for(reasons: Iterable[Reason]) -> str:
    """urgent > doctor > pharmacist, from the reasons' effects."""
    effects = {REASON_EFFECTS[r.code] for r in reasons}
    return URGENT if URGENT in effects else DOCTOR if DOCTOR in effects else "pharmacist"


def _red_flag_phrases(scan: RedFlagScan) -> list[str]:
    ordered = sorted(scan.present, key=lambda f: f.span or (10**9, 0))
    return list(dict.fromkeys(f.phrase for f in ordered))


def decide(*, request: TriageInput, results: Sequence[LookupResult]) -> Decision:
    """Route one request: ``results`` are ``lookup_many(request.names)``, in line order."""
    if len(results) != len(request.medications):
        raise ValueError(f"{len(results)} lookup results for {len(request.medications)} medications")
    facts = gather_facts(request, results)
    reasons = evaluate(facts)
    route = route_for(reasons)
    if route == "pharmacist":
        reasons.append(
            Reason(
                "pharmacist_supply",
                "Every medication is OTC or pharmacy-only and no red flag "
                "was found: a pharmacist can assess and supply.",
            )
        )
    logger.debug("triage decision: %s %s", route, [r.code for r in reasons])
    medications = [medication_dict(line.typed, line.result) for line in facts.lines]
    return Decision.build(
        route=route, reasons=reasons, red_flags=_red_flag_phrases(facts.scan), medications=medications
    )
