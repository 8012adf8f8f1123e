"""Metamorphic tests of red-flag recognition: a seed phrase of each flag keeps firing however it is typed.

For every seed of every flag, hypothesis draws variations that must not change the reading: any
whitespace or line break between the words (NBSP, zero-width space, tabs), any case, punctuation around
it, each inflection the seed lists ("{a|b}"), filler words inside an allowed gap ("_"), a sentence
before and after.  Each clearly negated form of a seed must not fire.

Pure unit tests: no database is used.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxtriage.triage.redflags import PRESENT, find_red_flags, load_red_flag_rules

# flag -> seeds. "{a|b|c}" is one of several inflections or spellings; "_" is a gap where filler words
# may stand.
SEEDS: dict[str, list[str]] = {
    "chest_pain": [
        "chest _ {pain|pains|paining|hurts|hurting|pian}",
        "{pain|pains} in my chest",
        "chest _ {tight|tightness|heavy|pressure}",
        "my chest dey pain me",
    ],
    "breathing": [
        "{difficulty|difficult|trouble} {breathing|breathe|breath}",
        "{can't|cannot|cant|unable to|no fit} {breathe|breath|breathing}",
        "{short|shortness} of breath",
        "{breathless|breathlessness}",
    ],
    "stroke": [
        "face _ {drooping|droops|drooped}",
        "{slurred|slurring} speech",
        "{weakness|weak|numbness} on {one|the left} side",
        "{stroke|strokes}",
    ],
    "anaphylaxis": [
        "{lips|lip|tongue|face|throat} _ {swollen|swelling|swells|puffing up|puffy}",
        "{swollen|puffy} {lips|tongue|face|eyes}",
        "throat _ {closing|closes|is closing|feels tight}",
        "{severe|serious} allergic reaction",
    ],
    "bleeding": [
        "{vomiting|vomited|threw up|throwing up|coughing up|coughed up} {fresh|some|small}? blood",
        "{bleeding|bled|bleeds} {heavily|a lot}",
        "black {stool|stools}",
        "{can't|cannot|unable to} stop {bleeding|the bleeding}",
    ],
    "suicide_self_harm": [
        "{thinking of|thoughts of|want to|planning to} {end|ending} my life",
        "{kill|killing} myself",
        "{suicidal|suicide}",
        "{thinking of|thoughts of} ending it all",
        "I {cut|cutting} myself on purpose",
    ],
    "overdose": [
        "{took|taken|swallowed} too many {tablets|pills|paracetamol}",
        "{overdose|overdosed|overdosing}",
        "{drank|drink|drinking} {bleach|kerosene|sniper}",
    ],
    "seizure": [
        "{seizure|seizures|siezure}",
        "{convulsion|convulsions|convulsing|convulsed}",
        "{having|had} a fit",
    ],
    "meningism": ["{non-blanching|non blanching} rash", "{meningitis}"],
    "danger_sign_child": [
        "{unable to|cannot|can't|not able to} {breastfeed|breast feed|drink}",
        "{vomiting|vomits} everything",
        "{lethargic|lethargy|floppy}",
    ],
    "reduced_consciousness": [
        "{fainted|passed out|collapsed|blacked out}",
        "{unconscious|unresponsive}",
        "{can't|cannot} wake him",
    ],
    "severe_malaria": ["{cannot|can't|unable to} sit or stand"],
    "pregnancy_danger": ["{reduced|decreased} {fetal|baby} movements", "my water {broke|has broken}"],
    "dehydration": ["{sunken} eyes", "{severe|severely} {dehydration|dehydrated}"],
    "glucose_confusion": ["{diabetic} {coma|ketoacidosis}"],
    "infant_fever": ["my {6 weeks|2 months|one month} old baby {has a fever|is very hot|temperature 38.5}"],
}

# Clearly negated forms: "{seed}" is replaced by a plain rendering of the seed.
NEGATED: dict[str, list[str]] = {
    "chest_pain": ["no chest pain", "I do not have any chest pain", "denies chest pain", "without chest pain",
                   "no chest pain at all"],
    "breathing": ["no difficulty breathing", "no shortness of breath", "I breathe without any problem"],
    "anaphylaxis": ["no swelling of the lips", "no swollen lips or tongue"],
    "bleeding": ["no bleeding", "I have no unusual bleeding", "no vomiting blood", "denies bleeding"],
    "suicide_self_harm": ["I have no thoughts of harming myself or others", "I am not suicidal",
                          "no thoughts of ending my life", "no suicidal thoughts"],
    "seizure": ["no seizures", "never had a seizure", "no convulsions"],
    "reduced_consciousness": ["has not fainted", "no loss of consciousness"],
    "stroke": ["no slurred speech", "no weakness on one side"],
}  # fmt: skip

LOOK_ALIKES = [
    "chesty cough",
    "bad breath",
    "I want to check my blood pressure",
    "I breathe without any problem",
    "I chose paracetamol because it is cheap",
    "I want to get fit",
    "heat stroke last summer? no, just tired",
    "food poisoning",
    "I took folic acid this morning",
    "blood sugar test tomorrow",
]

WHITESPACE = [" ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u2003", " \u200b", "\u3000"]
FILLERS = ["", "really", "so", "very", "dey", "is", "feels"]
BEFORE = ["", "I have had a cough for two days. ", "Good morning doctor, ", "Please help:\n"]
AFTER = ["", ". Please help.", " since morning", "!!!", "... what should I do?", " and I am sweating"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parts(seed: str) -> list[list[str]]:
    """A seed as a list of slots, each a list of choices ("" for an optional slot)."""
    slots = []
    for item in re.findall(r"\{[^}]*\}\??|\S+", seed):
        optional = item.endswith("?")
        choices = item.strip("{}?").split("|") if item.startswith("{") else [item]
        slots.append(choices + ([""] if optional else []))
    return slots


@st.composite
def typed(draw: st.DrawFn, seed: str) -> str:
    """One way of typing ``seed``: inflection, fillers, whitespace, case, punctuation, context."""
    words = []
    for slot in _parts(seed):
        word = draw(st.sampled_from(slot))
        if word == "_":
            word = " ".join(draw(st.lists(st.sampled_from(FILLERS), max_size=2)))
        words.extend(word.split())
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(WHITESPACE)) + word
    case = draw(st.sampled_from(["lower", "upper", "title", "as is"]))
    text = {"lower": text.lower(), "upper": text.upper(), "title": text.title()}.get(case, text)
    return draw(st.sampled_from(BEFORE)) + text + draw(st.sampled_from(AFTER))


def _status(text: str, code: str) -> set[str]:
    return {f.status for f in find_red_flags(text).findings if f.code == code}


CASES = [(code, seed) for code, seeds in SEEDS.items() for seed in seeds]


def test_every_flag_has_seeds() -> None:
    assert {flag.code for flag in load_red_flag_rules().flags} <= set(SEEDS)


@pytest.mark.parametrize(("code", "seed"), CASES, ids=[f"{c}: {s}" for c, s in CASES])
def test_a_seed_fires_however_it_is_typed(code: str, seed: str) -> None:
    @SETTINGS
    @given(typed(seed))
    def fires(text: str) -> None:
        assert _status(text, code) & PRESENT, text

    fires()


NEGATED_CASES = [(code, text) for code, texts in NEGATED.items() for text in texts]


@pytest.mark.parametrize(("code", "text"), NEGATED_CASES, ids=[f"{c}: {t}" for c, t in NEGATED_CASES])
def test_a_clearly_negated_form_does_not_fire(code: str, text: str) -> None:
    @SETTINGS
    @given(st.sampled_from(WHITESPACE), st.sampled_from(["lower", "upper"]), st.sampled_from(BEFORE))
    def quiet(space: str, case: str, before: str) -> None:
        variant = before + space.join(text.split())
        variant = variant.upper() if case == "upper" else variant
        assert not _status(variant, code) & PRESENT, variant

    quiet()


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_look_alike_does_not_fire(text: str) -> None:
    assert find_red_flags(text).present == ()


def test_spans_point_into_the_text_as_sent() -> None:
    text = "Good  morning.\u00a0My CHEST\n\u200bdey   pain me"
    finding = find_red_flags(text).present[0]
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == finding.phrase == "CHEST\n\u200bdey   pain"


def test_look_alike_letters_of_other_scripts_are_read_as_latin() -> None:
    cyrillic = "\u0441h\u0435st \u0440ain"  # c, e, p in Cyrillic
    assert [f.code for f in find_red_flags(cyrillic).present] == ["chest_pain"]
