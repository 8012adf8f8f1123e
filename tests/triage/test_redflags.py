"""Red-flag detection: every case of the negation table (docs/clinical-basis.md), Pidgin phrasing,
terminators, pseudo-negations.

Pure unit tests (no database): ``pytest tests/triage -q -p no:django``.
"""

from __future__ import annotations

import pytest

from rxtriage.triage.redflags import PRESENT, find_red_flags, load_lexicon, load_red_flag_rules


def statuses(text: str, **facts: object) -> dict[str, str]:
    """Flag code -> status (the most urgent status when a flag is mentioned twice)."""
    order = ("affirmed", "uncertain", "resolved", "history", "hypothetical", "family", "negated")
    found: dict[str, str] = {}
    for finding in find_red_flags(text, **facts).findings:  # type: ignore[arg-type]
        current = found.get(finding.code)
        if current is None or order.index(finding.status) < order.index(current):
            found[finding.code] = finding.status
    return found


# (sentence name, text, flag, expected status)
DOMAIN_TABLE = [
    (
        "the negation stops at but, so breathlessness is present",
        "no chest pain but I can't breathe",
        "breathing",
        "affirmed",
    ),
    ("the chest pain before but is negated", "no chest pain but I can't breathe", "chest_pain", "negated"),
    ("a negation word that expresses the flag counts as present", "I can't breathe", "breathing", "affirmed"),
    ("Pidgin I no fit breathe counts as present", "I no fit breathe", "breathing", "affirmed"),
    ("no improvement is a pseudo-negation", "chest pain, no improvement", "chest_pain", "affirmed"),
    (
        "not sure if is uncertain and counts as present",
        "not sure if it's chest pain",
        "chest_pain",
        "uncertain",
    ),
    ("maybe is uncertain and counts as present", "maybe chest pain", "chest_pain", "uncertain"),
    ("bleeding has stopped is resolved", "bleeding has stopped", "bleeding", "resolved"),
    ("no more bleeding is resolved, not negated", "no more bleeding", "bleeding", "resolved"),
    ("if I get chest pain is hypothetical", "if I get chest pain", "chest_pain", "hypothetical"),
    ("in case of fits is hypothetical", "in case of fits", "seizure", "hypothetical"),
    ("my mother had a stroke is family history", "my mother had a stroke", "stroke", "family"),
    ("had a seizure last year is past history", "had a seizure last year", "seizure", "history"),
]


@pytest.mark.parametrize(("name", "text", "flag", "status"), DOMAIN_TABLE, ids=[c[0] for c in DOMAIN_TABLE])
def test_domain_table(name: str, text: str, flag: str, status: str) -> None:
    assert statuses(text).get(flag) == status


PRESENT_CASES = [
    ("Pidgin my chest dey pain me is chest pain", "my chest dey pain me", "chest_pain"),
    ("Pidgin chest dey pain is chest pain", "chest dey pain since morning", "chest_pain"),
    ("Pidgin I wan die is suicidal", "I wan die", "suicide_self_harm"),
    ("Pidgin e dey shake is a possible convulsion", "my pikin e dey shake", "seizure"),
    ("cannot stop bleeding is bleeding", "the cut cannot stop bleeding", "bleeding"),
    ("bleeding that will not stop is bleeding", "bleeding won't stop", "bleeding"),
    ("Pidgin bleeding no gree stop is bleeding", "the bleeding no gree stop", "bleeding"),
    ("can't wake him is reduced consciousness", "I can't wake him up", "reduced_consciousness"),
    ("baby not breathing is breathing", "the baby is not breathing", "breathing"),
    ("shortness of breath is breathing", "shortness of breath when lying down", "breathing"),
    ("face drooping is a stroke sign", "her face is drooping and speech is slurred", "stroke"),
    ("swollen lips and tongue is anaphylaxis", "after the injection my lips are swollen", "anaphylaxis"),
    ("vomiting blood is bleeding", "he is vomiting blood", "bleeding"),
    ("black tarry stool is bleeding", "black tarry stool for two days", "bleeding"),
    ("took too many tablets is an overdose", "she took too many paracetamol tablets", "overdose"),
    ("drinking sniper is a poisoning", "he drank sniper", "overdose"),
    ("convulsions are a seizure", "convulsions this morning", "seizure"),
    ("fever with a stiff neck is meningism", "fever and stiff neck", "meningism"),
    ("Pidgin body dey hot with stiff neck is meningism", "body dey hot and neck dey stiff", "meningism"),
    ("a rash that does not fade is meningism", "non-blanching rash on the legs", "meningism"),
    (
        "an infant of 2 months with 38.5 C is an infant fever",
        "2 months old baby temperature 38.5",
        "infant_fever",
    ),
    (
        "a 6 week old baby with a hot body is an infant fever",
        "my 6 weeks old baby body dey hot",
        "infant_fever",
    ),
    (
        "a baby that cannot breastfeed shows a danger sign",
        "the baby is unable to breastfeed",
        "danger_sign_child",
    ),
    ("vomiting everything is a danger sign", "he is vomiting everything", "danger_sign_child"),
    ("malaria with dark urine is severe malaria", "malaria and dark urine", "severe_malaria"),
    ("fever with yellow eyes is severe malaria", "fever, yellow eyes", "severe_malaria"),
    (
        "pregnancy with severe headache is a pregnancy danger",
        "I am pregnant and have severe headache",
        "pregnancy_danger",
    ),
    (
        "reduced fetal movements are a pregnancy danger",
        "reduced fetal movements since yesterday",
        "pregnancy_danger",
    ),
    ("sunken eyes are severe dehydration", "diarrhoea and sunken eyes", "dehydration"),
    (
        "very high sugar with confusion is urgent",
        "blood sugar very high and he is confused",
        "glucose_confusion",
    ),
    ("a glucose of 2.1 mmol with confusion is urgent", "sugar 2.1 mmol and confused", "glucose_confusion"),
    ("worst headache of my life is a stroke sign", "worst headache of my life", "stroke"),
    ("hives with dizziness is anaphylaxis", "hives all over and dizzy", "anaphylaxis"),
    ("the negation of a comma list stops at the comma", "no fever, chest pain", "chest_pain"),
    ("and ends a negation's scope", "no cough and chest pain", "chest_pain"),
    ("however ends a negation's scope", "no fever; however chest tightness", "chest_pain"),
    ("a newline ends a negation's scope", "no fever\nchest pain", "chest_pain"),
    ("a full stop ends a negation's scope", "No. Chest pain since morning", "chest_pain"),
    ("not getting better is a pseudo-negation", "chest pain not getting better", "chest_pain"),
    ("not only is a pseudo-negation", "not only chest pain", "chest_pain"),
    ("no change is a pseudo-negation", "no change in the chest pain", "chest_pain"),
    ("bleeding has not stopped is still bleeding", "bleeding has not stopped", "bleeding"),
    ("Pidgin no fit sleep does not negate chest pain", "I no fit sleep because of chest pain", "chest_pain"),
    (
        "a far negation with other words between does not suppress",
        "not slept well because chest pain",
        "chest_pain",
    ),
    ("I think counts as present", "I think it is chest pain", "chest_pain"),
    ("my mother is having a stroke now is not family history", "my mother is having a stroke", "stroke"),
    ("a seizure yesterday is not history", "he had a seizure yesterday", "seizure"),
]


@pytest.mark.parametrize(("name", "text", "flag"), PRESENT_CASES, ids=[c[0] for c in PRESENT_CASES])
def test_present(name: str, text: str, flag: str) -> None:
    assert statuses(text).get(flag) in PRESENT


ABSENT_CASES = [
    ("no chest pain is negated", "no chest pain", "chest_pain", "negated"),
    ("denies chest pain is negated", "denies chest pain", "chest_pain", "negated"),
    ("without chest pain is negated", "cough without chest pain", "chest_pain", "negated"),
    ("negative for is negated", "negative for bleeding", "bleeding", "negated"),
    ("free of is negated", "free of fits since the new tablets", "seizure", "negated"),
    ("never had is negated", "never had a seizure", "seizure", "negated"),
    ("ruled out is a post-negation", "chest pain ruled out by the doctor", "chest_pain", "negated"),
    ("is absent is a post-negation", "bleeding is absent", "bleeding", "negated"),
    ("do not have any is negated", "I do not have any chest pain", "chest_pain", "negated"),
    ("a negated or-list negates each item", "no fever or chest pain", "chest_pain", "negated"),
    ("Pidgin I no get chest pain is negated", "I no get chest pain", "chest_pain", "negated"),
    ("don't want to die is negated", "I don't want to die from this malaria", "suicide_self_harm", "negated"),
    ("Pidgin bleeding don stop is resolved", "the bleeding don stop", "bleeding", "resolved"),
    ("no longer bleeding is resolved", "no longer bleeding", "bleeding", "resolved"),
    ("chest pain is gone is resolved", "the chest pain is gone", "chest_pain", "resolved"),
    ("epilepsy is a known condition", "I have epilepsy", "seizure", "history"),
    ("history of seizures is history", "history of seizures", "seizure", "history"),
    ("seizures as a child is history", "I had seizures as a child", "seizure", "history"),
    ("no history of seizures is negated", "no history of seizures", "seizure", "negated"),
    ("father died of a heart attack is family", "my father died of heart attack", "chest_pain", "family"),
    ("family history of stroke is family", "family history of stroke", "stroke", "family"),
    ("to prevent stroke is hypothetical", "aspirin to prevent stroke", "stroke", "hypothetical"),
    ("should I get fits is hypothetical", "what do I do should I get fits", "seizure", "hypothetical"),
]


@pytest.mark.parametrize(("name", "text", "flag", "status"), ABSENT_CASES, ids=[c[0] for c in ABSENT_CASES])
def test_not_present(name: str, text: str, flag: str, status: str) -> None:
    assert statuses(text).get(flag) == status


QUIET_TEXTS = [
    ("a simple headache raises no flag", "headache and catarrh for 2 days"),
    ("Pidgin belle dey pain me alone raises no flag", "belle dey pain me small"),
    ("a blocked nose is not a breathing emergency", "I can't breathe through my nose because of catarrh"),
    ("malaria not responding to treatment is not unconsciousness", "malaria not responding to treatment"),
    ("food poisoning is not a poisoning red flag", "I think I have food poisoning, stooling"),
    ("high blood pressure is not bleeding", "I want to check my blood pressure"),
    ("bleeding gums are not severe bleeding", "bleeding gums when I brush"),
    ("confused about the dose is not confusion", "I am confused about the dose, high sugar"),
    ("wanting to get fit is not a fit", "I want to get fit and lose weight"),
    ("heat stroke is not a stroke", "I think I have heat stroke? no, just tired"),
    ("a drink of water is not an overdose", "I drank a lot of water"),
    ("a normal temperature in a baby is not a fever", "3 weeks old baby, temperature 36.8, skin rash"),
]


@pytest.mark.parametrize(("name", "text"), QUIET_TEXTS, ids=[c[0] for c in QUIET_TEXTS])
def test_no_red_flag(name: str, text: str) -> None:
    assert find_red_flags(text).present == ()


def test_an_infant_fever_reads_the_age_from_patient_facts() -> None:
    scan = find_red_flags("temperature 38.2 since morning", age_years=0.1)
    assert [f.code for f in scan.present] == ["infant_fever"]


def test_an_older_baby_with_38_is_not_an_infant_fever() -> None:
    assert find_red_flags("temperature 38.2", age_years=0.4).present == ()


def test_fahrenheit_is_converted() -> None:
    scan = find_red_flags("1 month old, temp 101 F")
    assert scan.temperature_c == pytest.approx(38.3, abs=0.1)
    assert "infant_fever" in {f.code for f in scan.present}


def test_ages_are_read_from_text() -> None:
    assert find_red_flags("my 5 year old son").age_years == pytest.approx(5)
    assert find_red_flags("a two-month-old baby").age_years == pytest.approx(2 / 12)
    assert find_red_flags("newborn").age_years is not None


def test_pregnancy_from_facts_completes_a_pregnancy_danger_sign() -> None:
    assert "pregnancy_danger" in {f.code for f in find_red_flags("blurred vision", pregnant=True).present}
    assert find_red_flags("blurred vision").present == ()


def test_findings_keep_their_span_for_audit() -> None:
    text = "Cough. My chest dey pain me"
    finding = find_red_flags(text).present[0]
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == finding.phrase == "chest dey pain"


def test_empty_text_finds_nothing() -> None:
    assert find_red_flags("").findings == ()


def test_data_files_load_once_and_name_only_known_concepts() -> None:
    assert load_red_flag_rules() is load_red_flag_rules()
    assert load_lexicon() is load_lexicon()
    codes = {flag.code for flag in load_red_flag_rules().flags}
    assert {
        "chest_pain",
        "breathing",
        "stroke",
        "anaphylaxis",
        "bleeding",
        "suicide_self_harm",
        "overdose",
        "seizure",
        "meningism",
        "infant_fever",
        "danger_sign_child",
        "severe_malaria",
        "pregnancy_danger",
        "dehydration",
        "glucose_confusion",
    } <= codes


@pytest.mark.parametrize(
    "text",
    [
        "my mother had a stroke this morning",
        "my father had chest pain since morning, he is sweating",
        "my brother had a seizure just now",
    ],
)
def test_a_relatives_emergency_happening_now_is_not_family_history(text):
    scan = find_red_flags(text)
    assert scan.present, scan


def test_a_relatives_past_illness_stays_family_history():
    scan = find_red_flags("my mother had a stroke")
    assert not scan.present


@pytest.mark.parametrize(
    "text",
    [
        "malaria not responding to treatment",
        "the drugs no gree work",
        "still sick after finishing the coartem",
        "no improvement after 3 days of amoxil",
    ],
)
def test_symptoms_not_improving_on_treatment_are_recognised(text):
    assert find_red_flags(text).concept("treatment_failure")


def test_feeling_better_is_not_a_treatment_failure():
    assert not find_red_flags("I feel better after the medicine").concept("treatment_failure")


@pytest.mark.parametrize("text", ["I had my first fit at age 5", "I had a seizure when I was 7"])
def test_a_seizure_dated_to_childhood_is_history_not_a_fit_now(text):
    scan = find_red_flags(text)
    assert not scan.present
    assert [f.status for f in scan.with_status("history")] == ["history"]


@pytest.mark.parametrize(
    "text",
    ["if my chest pain gets worse what should I do", "if the bleeding continues should I go to hospital"],
)
def test_a_hypothetical_about_a_sign_already_there_escalates(text):
    assert find_red_flags(text).present


@pytest.mark.parametrize(
    "text", ["if I get chest pain", "If my lips swell after this antibiotic, should I stop it?"]
)
def test_a_true_hypothetical_stays_a_note(text):
    assert [f.status for f in find_red_flags(text).findings] == ["hypothetical"]


def test_a_past_sign_that_is_back_today_escalates():
    assert find_red_flags("I had a seizure as a child and I had another one today.").present
    assert not find_red_flags("I had a seizure as a child and today I want paracetamol").present
