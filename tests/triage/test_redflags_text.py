"""The canonical text, base forms and the phrase matcher of red-flag recognition, one part at a time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtriage.triage.redflags import canonical_text, load_red_flag_rules
from rxtriage.triage.redflags.matcher import Automaton, compile_alternative, compile_phrase
from rxtriage.triage.redflags.words import tokenize


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        ("Chest\nPain", "chest pain"),
        ("chest\u00a0\u00a0pain", "chest pain"),
        ("chest \u200b pain", "chest pain"),
        ("sei\u00adzure", "seizure"),
        ("I can\u2019t breathe!!!", "i can't breathe!"),
        ("\uff23\uff28\uff25\uff33\uff34", "chest"),
        ("\u0441h\u0435st", "chest"),
        ("f\u00e0inted", "fainted"),
        ("38\u00baC", "38\u00b0c"),
    ],
)
def test_the_canonical_text_folds_what_a_device_may_type(sent: str, canonical: str) -> None:
    assert canonical_text(sent).text == canonical


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \n\t\u00a0\u200b\u00ad\u2019.!\u0430\u00e9\u00df"), max_size=40))
def test_every_canonical_span_maps_inside_the_text_as_sent(sent: str) -> None:
    canon = canonical_text(sent)
    for start in range(len(canon.text) + 1):
        for end in range(start, len(canon.text) + 1):
            s, e = canon.source_span(start, end)
            assert 0 <= s <= e <= len(sent)


def test_a_canonical_word_maps_back_to_the_word_as_sent() -> None:
    sent = "Good\u00a0 morning.\nMy  \u0421HEST hurts"
    canon = canonical_text(sent)
    start = canon.text.index("chest")
    s, e = canon.source_span(start, start + 5)
    assert sent[s:e] == "\u0421HEST"


def _bases(text: str) -> list[str]:
    return [t.base for t in tokenize(canonical_text(text).text, load_red_flag_rules().forms)]


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("threw", "throw"),
        ("bled", "bleed"),
        ("swollen", "swelling"),
        ("breathing", "breathe"),
        ("can't", "cannot"),
        ("pian", "pain"),
        ("siezure", "seizure"),
        ("bleading", "bleeding"),
        ("unconcious", "unconscious"),
    ],
)
def test_inflections_contractions_and_misspellings_share_a_base_form(text: str, same_as: str) -> None:
    assert _bases(text) == _bases(same_as)


@pytest.mark.parametrize(("word", "not_as"), [("chose", "choke"), ("chesty", "chest"), ("paint", "faint")])
def test_an_english_word_is_never_read_as_a_misspelt_red_flag_word(word: str, not_as: str) -> None:
    assert _bases(word) != _bases(not_as)


def test_fainted_stays_apart_from_feeling_faint() -> None:
    assert _bases("fainted") != _bases("faint")


def _matches(phrase: str, text: str, classes: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    compiled = {
        name: tuple(compile_alternative(e) for e in entries) for name, entries in (classes or {}).items()
    }
    automaton = Automaton(
        [compile_phrase("x", phrase, compiled)], gap_blockers=["no", "not", "but"], lookahead_skip=["the"]
    )
    canon = canonical_text(text)
    tokens = tokenize(canon.text, load_red_flag_rules().forms)
    return [canon.text[tokens[a].start : tokens[b - 1].end] for _, a, b in automaton.scan(tokens)]


def test_a_gap_takes_other_words_but_not_a_negation_or_punctuation() -> None:
    assert _matches("chest ~2 pain", "my chest dey pain me") == ["chest dey pain"]
    assert _matches("chest ~2 pain", "my chest no dey pain me") == []
    assert _matches("chest ~2 pain", "chest. pain") == []
    assert _matches("chest ~2 pain", "chest is very bad pain") == []


def test_a_word_class_may_hold_several_words_and_an_item_may_be_optional() -> None:
    classes = {"cannot": ("cannot", "not able to", "no fit")}
    assert _matches("@cannot breathe", "I no fit breathe", classes) == ["no fit breathe"]
    assert _matches("@cannot breathe", "I am not able to breathe", classes) == ["not able to breathe"]
    assert _matches("severe? headache", "a severe headache")[0] == "severe headache"  # and nested "headache"


def test_lookahead_and_lookbehind_exclude_look_alikes() -> None:
    assert _matches("vomit blood !pressure", "I vomited blood") == ["vomited blood"]
    assert _matches("cough blood !pressure|test", "cough blood test") == []
    assert _matches("<!heat stroke", "heat stroke") == []
    assert _matches("<!heat stroke", "a stroke") == ["stroke"]


def test_many_is_a_number_of_ten_or_more() -> None:
    assert _matches("=took #many tablet", "I took 15 tablets") == ["took 15 tablets"]
    assert _matches("=took #many tablet", "I took 2 tablets") == []


def test_a_phrase_must_start_with_a_word_and_not_end_with_a_gap() -> None:
    with pytest.raises(ValueError):
        compile_phrase("x", "~2 pain", {})
    with pytest.raises(ValueError):
        compile_phrase("x", "chest ~2", {})
    with pytest.raises(ValueError):
        compile_phrase("x", "@unknown pain", {})


def test_a_cue_runs_only_where_the_literal_start_of_its_first_word_is() -> None:
    from rxtriage.triage.redflags.context import required_prefixes

    assert required_prefixes("no") == {"no"}
    assert required_prefixes("(?:do|does|ai)n'?t") == {"do", "does", "ai"}
    assert required_prefixes("won'?t go") == {"won"}
    assert required_prefixes("(?:i )?don'?t know") is None  # an optional start: always run
    assert required_prefixes(r"(?:\d+|a) years ago") is None


def test_the_shipped_english_words_match_the_vocabulary_of_the_phrases() -> None:
    """After editing red_flags.yaml, run ``python -m rxtriage.triage.redflags.english``."""
    from rxtriage.triage.redflags import ENGLISH_NEAR, read_words
    from rxtriage.triage.redflags.english import english_near_words

    assert read_words(ENGLISH_NEAR) == english_near_words()
