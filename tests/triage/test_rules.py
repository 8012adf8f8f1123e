"""Triage rules: every reason code, the route order, and the output contract (design.md section 6).

Pure unit tests: lookup results are built by hand, no database.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from rxtriage.lookup.normalize import normalize
from rxtriage.lookup.types import DrugInfo, LookupResult
from rxtriage.triage.rules import REASON_EFFECTS, RULESET, decide, load_drug_rules, route_for
from rxtriage.triage.types import Decision, MedicationInput, PatientInfo, Reason, TriageInput


def drug(generic: str, schedule: str = "otc", **fields: Any) -> DrugInfo:
    info: dict[str, Any] = {
        "id": abs(hash(generic)) % 10_000,
        "generic_name": generic,
        "display_name": generic.title(),
        "schedule": schedule,
        "controlled_basis": None,
        "high_alert": False,
        "drug_class": "",
        "atc_code": "",
        "components": [],
        "aware": None,
        "eml": "core",
        "pregnancy_avoid": False,
    }
    info.update(fields)
    return info  # type: ignore[return-value]


PARACETAMOL = drug("paracetamol", atc_code="N02BE01", drug_class="analgesic")
VITAMIN_C = drug("ascorbic acid", atc_code="A11GA01")
TRAMADOL = drug("tramadol", "controlled", controlled_basis="ng_national", high_alert=True, atc_code="N02AX02")
CODEINE_SYRUP = drug(
    "codeine/diphenhydramine",
    "controlled",
    controlled_basis="un1961_II",
    high_alert=True,
    atc_code="R05DA20",
    drug_class="opioid antitussive + antihistamine",
    components=["codeine", "diphenhydramine"],
)
DIAZEPAM = drug("diazepam", "controlled", controlled_basis="un1971_IV", atc_code="N05BA01")
AMOXICILLIN = drug("amoxicillin", "pom", atc_code="J01CA04", aware="access")
CIPROFLOXACIN = drug("ciprofloxacin", "pom", atc_code="J01MA02", aware="watch")
WARFARIN = drug("warfarin", "pom", high_alert=True, atc_code="B01AA03", pregnancy_avoid=True)
IBUPROFEN = drug("ibuprofen", "otc", atc_code="M01AE01")
ASPIRIN = drug("acetylsalicylic acid", "otc", atc_code="N02BA01")
PROMETHAZINE = drug("promethazine", "pharmacy", atc_code="R06AD02")
DEXTROMETHORPHAN = drug("dextromethorphan", "pharmacy", atc_code="R05DA09", drug_class="antitussive")
MISOPROSTOL = drug("misoprostol", "pharmacy", atc_code="A02BB01", pregnancy_avoid=True)


def result(
    name: str,
    info: DrugInfo | None,
    *,
    confirm: bool = False,
    note: str | None = None,
    strength_mg: float | None = None,
) -> LookupResult:
    """What the lookup makes of ``name`` (its real strength parse), resolved to ``info``."""
    parsed = normalize(name)
    return LookupResult(
        input=name,
        normalized=name.lower(),
        match="brand" if info else "none",
        score=1.0 if info else 0.0,
        confirm=confirm,
        drug=info,
        candidates=[],
        note=note,
        strength_mg=parsed.strength_mg if strength_mg is None else strength_mg,
        strength=parsed.strength,
    )


def triage(
    *lines: tuple[str, DrugInfo | None] | tuple[str, DrugInfo | None, dict[str, Any]],
    symptoms: str = "",
    patient: dict[str, Any] | None = None,
    **line_fields: Any,
) -> Decision:
    meds, results = [], []
    for line in lines:
        name, info = line[0], line[1]
        extra: dict[str, Any] = line[2] if len(line) > 2 else {}
        meds.append(
            {
                "medicationName": name,
                **line_fields,
                **{k: v for k, v in extra.items() if k in ("strength", "form", "dosage")},
            }
        )
        results.append(
            result(name, info, **{k: v for k, v in extra.items() if k in ("confirm", "note", "strength_mg")})
        )
    payload = {"medications": meds, "symptoms": symptoms, "duration": "3 days", "patient": patient}
    return decide(request=TriageInput.from_payload(payload), results=results)


def codes(decision: Decision) -> set[str]:
    return set(decision.codes)


# ---------------------------------------------------------------------------------------------- routes


def test_an_otc_only_request_goes_to_the_pharmacist_with_a_reason() -> None:
    decision = triage(("Panadol", PARACETAMOL), ("Vitamin C", VITAMIN_C), symptoms="headache")
    assert decision.route == "pharmacist"
    assert codes(decision) == {"pharmacist_supply"}
    assert not decision.urgent and not decision.requires_doctor


def test_a_red_flag_makes_any_request_urgent_and_requires_a_doctor() -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms="my chest dey pain me")
    assert decision.route == "urgent" and decision.urgent and decision.requires_doctor
    assert "red_flag" in codes(decision)
    assert decision.red_flags == ("chest dey pain",)


@pytest.mark.parametrize(
    ("symptoms", "code", "status"),
    [
        ("crushing chest pain for an hour", "red_flag", "affirmed"),
        ("not sure if it's chest pain", "red_flag_uncertain", "uncertain"),
        ("had a seizure last year", "symptom_needs_review", "history"),
        ("if I get chest pain what do I do", "red_flag_hypothetical", "hypothetical"),
        ("my mother had a stroke", "red_flag_family_history", "family"),
    ],
)
def test_reason_messages_carry_no_internal_tags_and_the_detail_is_a_field_of_its_own(
    symptoms: str, code: str, status: str
) -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms=symptoms)
    reasons = [r for r in decision.as_dict()["reasons"] if r["code"] == code]
    assert reasons, decision.codes
    for reason in reasons:
        assert "[" not in reason["message"] and "_" not in reason["message"], reason["message"]
        assert reason["detail"]["status"] == status and reason["detail"]["flag"]


def test_an_uncertain_red_flag_is_urgent_with_its_own_code() -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms="not sure if it's chest pain")
    assert decision.route == "urgent"
    assert "red_flag_uncertain" in codes(decision)


def test_a_negated_red_flag_does_not_stop_the_pharmacist_route() -> None:
    assert triage(("Panadol", PARACETAMOL), symptoms="headache, no chest pain").route == "pharmacist"


def test_urgent_wins_over_doctor() -> None:
    decision = triage(("Tramadol", TRAMADOL), symptoms="I can't breathe")
    assert decision.route == "urgent"
    assert {"red_flag", "controlled_substance"} <= codes(decision)


def test_route_for_orders_urgent_doctor_pharmacist() -> None:
    assert route_for([]) == "pharmacist"
    assert route_for([Reason("confirm_identity", "")]) == "pharmacist"
    assert route_for([Reason("age_gate", ""), Reason("confirm_identity", "")]) == "doctor"
    assert route_for([Reason("age_gate", ""), Reason("red_flag_uncertain", "")]) == "urgent"


# ------------------------------------------------------------------------------- medication reasons


@pytest.mark.parametrize(
    ("name", "line", "code"),
    [
        (
            "a controlled drug typed as a brand still needs a doctor",
            ("Valium", DIAZEPAM),
            "controlled_substance",
        ),
        ("a prescription-only medicine needs a doctor", ("Amoxil", AMOXICILLIN), "prescription_only"),
        ("a high-alert medicine needs a doctor", ("Warfarin", WARFARIN), "high_alert"),
        ("any systemic antibiotic needs a doctor", ("Amoxil", AMOXICILLIN), "antibiotic"),
        ("a Watch antibiotic needs a doctor", ("Cipro", CIPROFLOXACIN), "watch_reserve_antibiotic"),
        (
            "a complementary-list medicine needs a doctor",
            ("Xyz", drug("xyz", "pharmacy", eml="complementary")),
            "specialist_medicine",
        ),
        ("an unrecognised name needs a doctor", ("Blue pill from market", None), "unrecognised_medication"),
        ("an unknown schedule is never guessed", ("Odd", drug("odd", "")), "unknown_schedule"),
        (
            "a high-alert class is caught even if the record is not flagged",
            ("Insulin", drug("soluble insulin", "pharmacy", atc_code="A10AB01")),
            "high_alert",
        ),
        (
            "an antibiotic scheduled OTC by mistake still needs a doctor",
            ("Ampiclox", drug("ampicillin/cloxacillin", "otc", atc_code="J01CR50")),
            "antibiotic",
        ),
        (
            "a controlled basis without the controlled schedule still counts",
            ("Odd", drug("odd", "pharmacy", controlled_basis="un1971_IV")),
            "controlled_substance",
        ),
    ],
)
def test_medication_reasons_route_to_a_doctor(
    name: str, line: tuple[str, DrugInfo | None], code: str
) -> None:
    decision = triage(line, ("Panadol", PARACETAMOL))
    assert decision.route == "doctor"
    assert code in codes(decision)
    assert any(r.medication == line[0] for r in decision.reasons if r.code == code)


def test_a_precursor_basis_alone_is_not_controlled() -> None:
    sudafed = drug("pseudoephedrine", "pharmacy", controlled_basis="precursor_1988")
    assert triage(("Sudafed", sudafed)).route == "pharmacist"


@pytest.mark.parametrize("note", ["ambiguous", "error_prone_abbreviation", "not_a_medicine"])
def test_an_ambiguous_or_refused_name_is_unrecognised(note: str) -> None:
    decision = triage(("MTX", None, {"note": note}))
    assert decision.route == "doctor"
    assert "unrecognised_medication" in codes(decision)


def test_a_known_medicine_the_formulary_does_not_stock_goes_to_a_doctor_with_its_own_reason() -> None:
    decision = triage(("Tetracaine eye drops", None, {"note": "not_in_formulary"}), ("Panadol", PARACETAMOL))
    assert decision.route == "doctor"
    assert "not_in_formulary" in codes(decision)
    assert "unrecognised_medication" not in codes(decision)
    assert decision.as_dict()["medications"][0]["reason"] == "not_in_formulary"


def test_only_the_triggering_medication_is_named() -> None:
    decision = triage(("Panadol", PARACETAMOL), ("Valium 5mg", DIAZEPAM), ("Vitamin C", VITAMIN_C))
    named = {r.medication for r in decision.reasons if r.medication}
    assert named == {"Valium 5mg"}


def test_a_request_without_medications_goes_to_a_doctor() -> None:
    decision = triage(symptoms="I feel weak")
    assert decision.route == "doctor"
    assert codes(decision) == {"no_medications"}


def test_a_request_without_medications_but_with_a_red_flag_is_urgent() -> None:
    assert triage(symptoms="I wan die").route == "urgent"


def test_confirm_identity_is_a_reason_that_keeps_the_route() -> None:
    decision = triage(("Panadl", PARACETAMOL, {"confirm": True}))
    assert decision.route == "pharmacist"
    assert "confirm_identity" in codes(decision)


# ------------------------------------------------------------------------------- compliance flags


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("tramadol 225mg in the typed name", ("tramadol 225mg", TRAMADOL, {})),
        ("tramadol with a bare 225", ("Tramadol 225", TRAMADOL, {})),
        ("tramadol with the strength field", ("Tramal", TRAMADOL, {"strength": "200 mg"})),
        ("tramadol with the lookup's parsed strength", ("Tramadol", TRAMADOL, {"strength_mg": 120.0})),
        ("an unknown tramadol brand with 225", ("Tafrodol 225", None, {})),
    ],
)
def test_tramadol_over_100mg_is_flagged(name: str, line: tuple[str, DrugInfo | None, dict[str, Any]]) -> None:
    decision = triage(line)
    assert decision.route == "doctor"
    assert "tramadol_strength_over_100mg" in codes(decision)


@pytest.mark.parametrize(
    "line", [("Tramadol 50mg", TRAMADOL), ("Tramadol 100", TRAMADOL), ("Tramal", TRAMADOL)]
)
def test_tramadol_up_to_100mg_is_controlled_but_not_flagged(line: tuple[str, DrugInfo]) -> None:
    decision = triage(line)
    assert decision.route == "doctor"
    assert "tramadol_strength_over_100mg" not in codes(decision)
    assert "controlled_substance" in codes(decision)


def test_a_tramadol_combination_reads_only_the_tramadol_strength() -> None:
    ultracet = drug(
        "tramadol/paracetamol", "controlled", atc_code="N02AJ13", components=["tramadol", "paracetamol"]
    )
    assert "tramadol_strength_over_100mg" not in codes(triage(("Ultracet 37.5/325mg", ultracet)))


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("a codeine cough syrup brand", ("Emzolyn with codeine", CODEINE_SYRUP, {})),
        (
            "plain codeine typed as syrup",
            ("codeine syrup", drug("codeine", "controlled", atc_code="R05DA04"), {}),
        ),
        ("codeine with a syrup form field", ("Codeine", drug("codeine", "controlled"), {"form": "syrup"})),
        ("an unresolved codeine cough mixture", ("codeine linctus", None, {})),
    ],
)
def test_codeine_cough_preparations_are_flagged(
    name: str, line: tuple[str, DrugInfo | None, dict[str, Any]]
) -> None:
    decision = triage(line)
    assert decision.route == "doctor"
    assert "codeine_cough_preparation" in codes(decision)


def test_codeine_tablets_are_controlled_but_not_a_cough_preparation() -> None:
    decision = triage(("Codeine 30mg tablets", drug("codeine", "controlled", atc_code="R05DA04")))
    assert "codeine_cough_preparation" not in codes(decision)


def test_tramadol_with_a_past_seizure_is_a_caution() -> None:
    decision = triage(("Tramadol 50mg", TRAMADOL), symptoms="back pain. I had a seizure last year")
    assert decision.route == "doctor"
    assert {"tramadol_seizure_caution", "symptom_needs_review"} <= codes(decision)


# ------------------------------------------------------------------------------------ symptom reasons


def test_a_resolved_red_flag_is_never_cleared_to_the_pharmacist() -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms="bleeding has stopped")
    assert decision.route == "doctor"
    assert "symptom_needs_review" in codes(decision)


def test_a_past_seizure_goes_to_a_doctor_not_urgent_care() -> None:
    assert triage(("Panadol", PARACETAMOL), symptoms="had a seizure last year").route == "doctor"


def test_a_hypothetical_red_flag_is_noted_but_not_urgent() -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms="what should I take if I get chest pain")
    assert decision.route == "pharmacist"
    assert "red_flag_hypothetical" in codes(decision)
    assert decision.red_flags == ()


def test_a_family_history_is_noted_but_not_the_patient() -> None:
    decision = triage(("Panadol", PARACETAMOL), symptoms="headache; my mother had a stroke")
    assert decision.route == "pharmacist"
    assert "red_flag_family_history" in codes(decision)


def test_a_baby_of_four_months_with_39_5_is_amber() -> None:
    decision = triage(("Calpol", PARACETAMOL), symptoms="temperature 39.5", patient={"ageYears": 0.35})
    assert decision.route == "doctor"
    assert "infant_fever_amber" in codes(decision)


def test_a_baby_of_two_months_with_38_5_is_urgent() -> None:
    decision = triage(("Calpol", PARACETAMOL), symptoms="2 months old baby temperature 38.5")
    assert decision.route == "urgent"


# ------------------------------------------------------------------------------------ patient facts


def test_a_pregnancy_avoid_medicine_in_pregnancy_goes_to_a_doctor() -> None:
    decision = triage(("Cytotec", MISOPROSTOL), patient={"pregnant": True, "ageYears": 25})
    assert decision.route == "doctor"
    assert "pregnancy_caution" in codes(decision)


def test_pregnancy_written_in_the_symptoms_counts() -> None:
    assert "pregnancy_caution" in codes(triage(("Cytotec", MISOPROSTOL), symptoms="I am 10 weeks pregnant"))


def test_an_nsaid_in_pregnancy_goes_to_a_doctor() -> None:
    assert triage(("Ibuprofen", IBUPROFEN), patient={"pregnant": True}).route == "doctor"


def test_unknown_pregnancy_adds_a_check_but_keeps_the_pharmacist_route() -> None:
    decision = triage(("Cytotec", MISOPROSTOL), patient={"ageYears": 30})
    assert decision.route == "pharmacist"
    assert "pregnancy_check" in codes(decision)


def test_not_pregnant_removes_the_pregnancy_reasons() -> None:
    decision = triage(("Cytotec", MISOPROSTOL), patient={"pregnant": False})
    assert not codes(decision) & {"pregnancy_check", "pregnancy_caution"}


def test_codeine_while_breastfeeding_is_a_caution() -> None:
    decision = triage(("Codeine 30mg", drug("codeine", "controlled")), patient={"breastfeeding": True})
    assert "breastfeeding_caution" in codes(decision)


@pytest.mark.parametrize(
    ("name", "line", "age"),
    [
        ("tramadol for a child under 12", ("Tramadol 50mg", TRAMADOL), 10),
        ("aspirin under 16", ("Aspirin", ASPIRIN), 14),
        ("promethazine under 2", ("Phenergan", PROMETHAZINE), 1),
        ("doxycycline under 12", ("Doxycycline", drug("doxycycline", "pom", atc_code="J01AA02")), 9),
        ("a cough mixture under 6", ("Cough syrup", DEXTROMETHORPHAN), 4),
        ("loperamide under 12", ("Imodium", drug("loperamide", "pharmacy", atc_code="A07DA03")), 7),
    ],
)
def test_a_child_below_an_age_gate_goes_to_a_doctor(
    name: str, line: tuple[str, DrugInfo], age: float
) -> None:
    decision = triage(line, patient={"ageYears": age})
    assert decision.route == "doctor"
    assert "age_gate" in codes(decision)
    gate = next(r for r in decision.as_dict()["reasons"] if r["code"] == "age_gate")
    assert "[" not in gate["message"] and gate["detail"]["gate"]


def test_an_age_gate_reads_the_age_from_the_symptoms() -> None:
    assert "age_gate" in codes(triage(("Aspirin", ASPIRIN), symptoms="for my 5 year old son, fever"))


def test_an_adult_passes_the_age_gates() -> None:
    assert triage(("Aspirin", ASPIRIN), patient={"ageYears": 40}).route == "pharmacist"


def test_a_baby_under_5kg_needs_a_doctor_for_any_medicine() -> None:
    decision = triage(("Vitamin C", VITAMIN_C), patient={"weightKg": 4.2})
    assert decision.route == "doctor"
    assert "young_infant" in codes(decision)


# --------------------------------------------------------------------------------------- contract


def test_as_dict_has_exactly_the_design_fields() -> None:
    decision = triage(
        ("Panadol Extra", PARACETAMOL, {"strength": "500mg", "form": "tablet"}), symptoms="headache"
    )
    data = decision.as_dict()
    assert set(data) == {"route", "urgent", "requires_doctor", "reasons", "red_flags", "medications"}
    assert set(data["reasons"][0]) == {"code", "message"}
    med = data["medications"][0]
    assert med["input"] == "Panadol Extra" and med["strength"] == "500mg" and med["form"] == "tablet"
    assert med["drug"]["generic_name"] == "paracetamol"


def test_reasons_naming_a_medication_carry_it() -> None:
    data = triage(("Valium", DIAZEPAM)).as_dict()
    assert {"code": "controlled_substance", "medication": "Valium"}.items() <= data["reasons"][0].items()


def test_from_payload_tolerates_missing_optional_keys() -> None:
    request = TriageInput.from_payload({"medications": [{"medicationName": "Panadol"}]})
    assert request.medications == (MedicationInput("Panadol"),)
    assert request.symptoms == "" and request.patient == PatientInfo()


def test_from_payload_reads_patient_facts() -> None:
    request = TriageInput.from_payload(
        {
            "medications": [],
            "symptoms": "x",
            "duration": "1 day",
            "patient": {"ageYears": 3, "weightKg": 14.5, "pregnant": None, "breastfeeding": True},
        }
    )
    assert request.patient == PatientInfo(age_years=3.0, weight_kg=14.5, pregnant=None, breastfeeding=True)


def test_decide_refuses_results_that_do_not_match_the_lines() -> None:
    request = TriageInput.from_payload({"medications": [{"medicationName": "Panadol"}]})
    with pytest.raises(ValueError):
        decide(request=request, results=[])


def test_every_code_a_rule_can_emit_has_a_route_effect() -> None:
    import inspect

    import rxtriage.triage.rules as rules

    source = inspect.getsource(rules)
    emitted = {code for code in REASON_EFFECTS if f'"{code}"' in source}
    assert emitted == set(REASON_EFFECTS)
    assert len(RULESET) == len({name for name, _ in RULESET})


def test_rules_log_codes_at_debug_and_never_the_symptoms(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="rxtriage.triage.rules"):
        triage(("Panadol", PARACETAMOL), symptoms="my secret chest dey pain me")
    assert any("red_flags_present" in r.getMessage() for r in caplog.records)
    assert all("secret" not in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def test_drug_rules_load_once_with_their_thresholds() -> None:
    assert load_drug_rules() is load_drug_rules()
    assert load_drug_rules().section("tramadol")["max_legal_mg"] == 100
