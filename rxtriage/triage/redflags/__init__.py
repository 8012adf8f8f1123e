"""Negation-aware red-flag detection in free-text symptoms (docs/clinical-basis.md, red flags and negation).

``find_red_flags(text)`` recognises every red flag of ``data/red_flags.yaml`` however the patient types
it, and gives each mention a status read from the words around it (``data/negation.yaml``):

==============  ==================================================  =======================================
status          example                                             what triage does with it
==============  ==================================================  =======================================
affirmed        "my chest dey pain me", "I can't breathe"           urgent
uncertain       "not sure if it's chest pain", "e dey shake"         urgent (doubt escalates)
negated         "no chest pain", "denies fever"                     nothing
hypothetical    "if I get chest pain", "in case of fits"            recorded, not urgent
family          "my mother had a stroke"                            recorded, not the patient
history         "had a seizure last year", "epilepsy"               doctor review, not urgent
resolved        "bleeding has stopped", "no more bleeding"          doctor review, never "cleared"
==============  ==================================================  =======================================

One pass, in four steps:

1. ``text``: one canonical text (NFKC, case folding, look-alike letters, whitespace and line breaks folded)
   with a map back to the text as sent;
2. ``words``: tokens reduced to base forms (Snowball stemmer, irregular forms, contractions, misspellings
   of the red-flag vocabulary within one edit);
3. ``matcher``: every phrase of every flag and concept in one index over base forms, matched in one
   pass over the tokens (linear in the text's length);
4. ``context``: the status of each mention (NegEx/ConText cues, asymmetric policy), only for mentions.

Some flags need two findings together (``all_of``: fever + stiff neck, pregnancy + severe headache...);
their parts are "concepts", found and statused the same way.  Numbers are read too (``numbers``): a
temperature, an age and a blood glucose.  Every finding keeps its span in the text as sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rxtriage.triage.redflags.context import (
    DATA_DIR,
    Document,
    Lexicon,
    load_lexicon,
    read_data,
    status_of,
    strings,
)
from rxtriage.triage.redflags.matcher import (
    Alternative,
    Automaton,
    Phrase,
    compile_alternative,
    compile_phrase,
    expand_entry,
)
from rxtriage.triage.redflags.numbers import NEWBORN_AGE_YEARS, read_ages, read_glucose, read_temperatures
from rxtriage.triage.redflags.text import Canonical, canonical_text
from rxtriage.triage.redflags.words import BaseForms, tokenize

__all__ = [
    "NEWBORN_AGE_YEARS",
    "PRESENT",
    "STATUSES",
    "Finding",
    "Lexicon",
    "RedFlagScan",
    "canonical_text",
    "find_red_flags",
    "flag_messages",
    "load_lexicon",
    "load_red_flag_rules",
    "read_data",
    "strings",
]

STATUSES = ("affirmed", "uncertain", "negated", "hypothetical", "family", "history", "resolved")
PRESENT = frozenset({"affirmed", "uncertain"})
SYNTHETIC_CONCEPTS = frozenset({"infant_under_3_months"})
# Concepts the drug rules read (rules.py); the others are kept only when a combined flag may need them.
RULE_CONCEPTS = frozenset({"pregnancy", "breastfeeding", "treatment_failure"})


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One mention of a red flag (or of a supporting concept) and how the text qualifies it."""

    code: str
    phrase: str
    status: str
    span: tuple[int, int] | None = None  # character offsets in the text as sent; None if from facts

    @property
    def present(self) -> bool:
        return self.status in PRESENT

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "phrase": self.phrase,
            "status": self.status,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True)
class RedFlagScan:
    """Everything ``find_red_flags`` read from one text."""

    findings: tuple[Finding, ...] = ()
    concepts: tuple[Finding, ...] = ()
    temperature_c: float | None = None  # the highest body temperature written in the text
    age_years: float | None = None  # the youngest age written in the text ("6 weeks old")

    @property
    def present(self) -> tuple[Finding, ...]:
        """The red flags that make a request urgent (affirmed or uncertain)."""
        return tuple(f for f in self.findings if f.present)

    def with_status(self, *statuses: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status in statuses)

    def concept(self, name: str, statuses: Iterable[str] = PRESENT) -> tuple[Finding, ...]:
        wanted = frozenset(statuses)
        return tuple(f for f in self.concepts if f.code == name and f.status in wanted)

    def mentions(self, code: str, statuses: Iterable[str] = PRESENT) -> bool:
        """Whether a flag or concept ``code`` is mentioned with one of ``statuses``."""
        wanted = frozenset(statuses)
        return any(f.code == code and f.status in wanted for f in (*self.findings, *self.concepts))


# ------------------------------------------------------------------------------------------ data files


@dataclass(frozen=True)
class FlagSpec:
    code: str
    message: str
    reference: str
    all_of: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class RedFlagRules:
    flags: tuple[FlagSpec, ...]
    concept_names: frozenset[str]
    numeric: Mapping[str, Any]
    emergency_line: str
    automaton: Automaton
    forms: BaseForms


def _classes(raw: Mapping[str, Sequence[str]]) -> dict[str, tuple[Alternative, ...]]:
    return {
        name: tuple(compile_alternative(e) for e in strings(entries, name)) for name, entries in raw.items()
    }


def _phrases(
    code: str, entries: Iterable[Any], classes: Mapping[str, tuple[Alternative, ...]]
) -> list[Phrase]:
    return [
        compile_phrase(code, source, classes, status)
        for entry in entries or ()
        for source, status in expand_entry(entry)
    ]


def _vocabulary(phrases: Iterable[Phrase]) -> set[str]:
    """Every base form a phrase can match (the words that misspellings are matched to)."""
    words: set[str] = set()
    for phrase in phrases:
        for step in phrase.steps:
            if step.kind == "word":
                words |= step.singles
                words.update(base for alt in step.multis for bases in alt for base in bases)
    return words


@lru_cache(maxsize=1)
def load_red_flag_rules() -> RedFlagRules:
    """``data/red_flags.yaml`` and ``data/base_forms.yaml``, compiled once per process."""
    raw = read_data("red_flags.yaml")
    forms_raw = read_data("base_forms.yaml")
    classes = _classes(raw.get("words") or {})
    phrases = [p for name, entries in raw["concepts"].items() for p in _phrases(name, entries, classes)]
    flags = tuple(
        FlagSpec(
            item["code"],
            item["message"],
            item["reference"],
            tuple(tuple(g) for g in item.get("all_of") or ()),
        )
        for item in raw["flags"]
    )
    phrases += [p for item in raw["flags"] for p in _phrases(item["code"], item.get("phrases"), classes)]
    known = set(raw["concepts"]) | SYNTHETIC_CONCEPTS
    unknown = {name for flag in flags for group in flag.all_of for name in group} - known
    if unknown:
        raise ValueError(f"red_flags.yaml: all_of names unknown concepts {sorted(unknown)}")
    matching = raw["matching"]
    automaton = Automaton(
        phrases,
        gap_blockers=strings(matching["gap_blockers"], "gap_blockers"),
        lookahead_skip=strings(matching["lookahead_skip"], "lookahead_skip"),
    )
    vocabulary = _vocabulary(phrases) - set(automaton.blockers) - set(automaton.skip)
    forms = BaseForms.build(
        irregular={str(k): str(v) for k, v in forms_raw["irregular"].items()},
        vocabulary=vocabulary,
        settings=forms_raw["settings"],
        english=read_words(ENGLISH_NEAR),
    )
    return RedFlagRules(
        flags=flags,
        concept_names=frozenset(raw["concepts"]),
        numeric=raw["numeric"],
        emergency_line=str(raw.get("emergency_line", "112")),
        automaton=automaton,
        forms=forms,
    )


ENGLISH_NEAR = "english_near.txt"


def read_words(name: str) -> list[str]:
    """A word list of ``rxtriage/triage/data``: one word a line, ``#`` starts a comment."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def flag_messages() -> dict[str, str]:
    """Each red flag's patient-facing message, by code."""
    return {flag.code: flag.message for flag in load_red_flag_rules().flags}


# ------------------------------------------------------------------------------------------------ scan


@dataclass(frozen=True)
class _Mention:
    code: str
    start: int  # canonical offsets
    end: int
    status: str  # the phrase's own status (affirmed unless the data says otherwise)


def _without_nested(mentions: Iterable[_Mention]) -> list[_Mention]:
    """One mention per stretch of text and code: a match inside a longer match of the same code is dropped."""
    kept: list[_Mention] = []
    reach: dict[str, int] = {}  # per code: the furthest end of a kept mention that starts earlier
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.end <= reach.get(mention.code, -1):
            continue
        kept.append(mention)
        reach[mention.code] = mention.end
    return sorted(kept, key=lambda m: (m.start, m.code))


def _scan_phrases(canon: Canonical, rules: RedFlagRules) -> list[_Mention]:
    tokens = tokenize(canon.text, rules.forms)
    return _without_nested(
        _Mention(phrase.code, tokens[first].start, tokens[end - 1].end, phrase.status)
        for phrase, first, end in rules.automaton.scan(tokens)
    )


def _needed_concepts(rules: RedFlagRules, found: set[str]) -> set[str]:
    """Concepts worth a status: read by the drug rules, or in an all_of group whose other parts occur."""
    needed = set(RULE_CONCEPTS)
    for flag in rules.flags:
        for group in flag.all_of:
            if all(name in found for name in group):
                needed.update(group)
    return needed


def _finding(canon: Canonical, doc: Document, mention: _Mention) -> Finding:
    start, end = canon.source_span(mention.start, mention.end)
    status = status_of(doc, mention.start, mention.end, mention.status)
    return Finding(mention.code, canon.raw[start:end], status, (start, end))


def _numeric_concepts(
    canon: Canonical,
    numeric: Mapping[str, Any],
    age_years: float | None,
    temperatures: Sequence[tuple[float, tuple[int, int]]],
    ages: Sequence[tuple[float, tuple[int, int]]],
) -> list[Finding]:
    """Concepts read from numbers: a measured fever, an infant under 3 months, extreme glucose."""

    def finding(code: str, span: tuple[int, int]) -> Finding:
        start, end = canon.source_span(*span)
        return Finding(code, canon.raw[start:end], "affirmed", (start, end))

    found = [finding("fever", span) for value, span in temperatures if value >= numeric["fever_min_celsius"]]
    found += [finding("glucose_abnormal", span) for span in read_glucose(canon.text, numeric["glucose"])]
    found += [
        finding("infant_under_3_months", span)
        for years, span in ages
        if years < numeric["infant_red_max_age_years"]
    ]
    if age_years is not None and age_years < numeric["infant_red_max_age_years"]:
        found.append(Finding("infant_under_3_months", f"age {age_years:g} years (patient facts)", "affirmed"))
    return found


def _combined(flag: FlagSpec, concepts: Sequence[Finding]) -> list[Finding]:
    """The flag's ``all_of`` combinations whose every concept is present."""
    found = []
    for group in flag.all_of:
        parts = [next((c for c in concepts if c.code == name and c.present), None) for name in group]
        if all(parts):
            found.append(_combine(flag.code, [p for p in parts if p]))
    return found


def _combine(code: str, parts: Sequence[Finding]) -> Finding:
    spans = [p.span for p in parts if p.span]
    span = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None
    status = "uncertain" if any(p.status == "uncertain" for p in parts) else "affirmed"
    return Finding(code, " + ".join(p.phrase for p in parts), status, span)


def find_red_flags(text: str, *, age_years: float | None = None, pregnant: bool | None = None) -> RedFlagScan:
    """Red flags in ``text``, each with its status and span (see the module docstring).

    ``age_years`` and ``pregnant`` are patient facts given beside the text: they count as the
    "infant under 3 months" and "pregnancy" parts of combined flags.
    """
    rules = load_red_flag_rules()
    canon = canonical_text(text or "")
    doc = Document(canon.text, load_lexicon())
    mentions = _scan_phrases(canon, rules)
    temperatures = read_temperatures(canon.text, rules.numeric)
    ages = read_ages(canon.text)
    numeric = _numeric_concepts(canon, rules.numeric, age_years, temperatures, ages)
    if pregnant:
        numeric.append(Finding("pregnancy", "pregnant (patient facts)", "affirmed"))
    found_concepts = {m.code for m in mentions if m.code in rules.concept_names} | {f.code for f in numeric}
    needed = _needed_concepts(rules, found_concepts)
    concepts = [
        _finding(canon, doc, m) for m in mentions if m.code in rules.concept_names and m.code in needed
    ] + numeric
    findings = [_finding(canon, doc, m) for m in mentions if m.code not in rules.concept_names]
    findings += [f for flag in rules.flags for f in _combined(flag, concepts)]
    return RedFlagScan(
        findings=tuple(findings),
        concepts=tuple(concepts),
        temperature_c=max((v for v, _ in temperatures), default=None),
        age_years=min((v for v, _ in ages), default=None),
    )
