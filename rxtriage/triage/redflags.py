"""Negation-aware red-flag detection in free-text symptoms (domain.md sections 4.1 and 4.2).

``find_red_flags(text)`` finds every red-flag phrase of ``data/red_flags.yaml`` and gives each mention a
status read from the words around it (``data/negation.yaml``, NegEx-style: Chapman et al., J Biomed
Inform 2001, with ConText's hypothetical / historical / family categories):

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

The policy is asymmetric: a negation suppresses a mention only when it is unambiguous (filler words only
between trigger and term, or a negated "X or Y" list), in the same clause (commas, "but", "and" ... end
its scope) and close (at most ``negation_gap_words`` words).  A phrase that carries its own negation word
("I no fit breathe", "cannot stop bleeding", "can't wake him") expresses the flag: words inside a matched
phrase are never read as cues.  Where cues overlap, the longest wins ("no more" is a resolution, "not
sure" is uncertainty, "no history of" is a negation).

Some flags need two findings together (``all_of``: fever + stiff neck, pregnancy + severe headache,
abnormal blood sugar + confusion, infant < 3 months + fever); their parts are "concepts", found and
statused the same way.  Numbers are read too: a temperature (Celsius or Fahrenheit), an age ("6 weeks
old", "2-month-old baby") and a blood glucose.  Every finding keeps its character span for audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "PRESENT",
    "STATUSES",
    "Finding",
    "RedFlagScan",
    "find_red_flags",
    "flag_messages",
    "load_lexicon",
    "load_red_flag_rules",
    "read_data",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

STATUSES = ("affirmed", "uncertain", "negated", "hypothetical", "family", "history", "resolved")
PRESENT = frozenset({"affirmed", "uncertain"})

# Cue categories: the order breaks ties between equally long overlapping cues, and (without "pseudo")
# gives the precedence of statuses when several cues apply to one mention.
CUE_ORDER = ("pseudo", "uncertain", "family", "hypothetical", "resolved", "history", "negated")
STATUS_PRECEDENCE = ("family", "hypothetical", "uncertain", "resolved", "history", "negated")
DE_ESCALATING = frozenset({"negated", "hypothetical", "family", "history", "resolved"})
SYNTHETIC_CONCEPTS = frozenset({"infant_under_3_months"})

_WORD = re.compile(r"[\w']+")
_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"'}
)


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One mention of a red flag (or of a supporting concept) and how the text qualifies it."""

    code: str
    phrase: str
    status: str
    span: tuple[int, int] | None = None  # character offsets in the original text; None if from facts

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
class Phrase:
    pattern: re.Pattern[str]
    status: str = "affirmed"


@dataclass(frozen=True)
class FlagSpec:
    code: str
    message: str
    reference: str
    phrases: tuple[Phrase, ...]
    all_of: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class RedFlagRules:
    flags: tuple[FlagSpec, ...]
    concepts: Mapping[str, tuple[Phrase, ...]]
    numeric: Mapping[str, Any]
    emergency_line: str


@dataclass(frozen=True)
class Lexicon:
    broad: re.Pattern[str]  # terminators that end every cue's scope
    narrow: re.Pattern[str]  # ... plus those that end a de-escalating cue's scope
    fillers: frozenset[str]
    list_words: frozenset[str]
    negation_gap: int
    cue_gap: int
    cues: Mapping[str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]] = field(
        default_factory=dict
    )


def read_data(name: str) -> dict[str, Any]:
    """One YAML file of ``rxtriage/triage/data``."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def strings(values: Iterable[Any] | None, where: str) -> tuple[str, ...]:
    """A word or pattern list, refusing YAML's surprises (an unquoted ``no`` reads as False)."""
    items = tuple(values or ())
    bad = [v for v in items if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{where}: entries must be quoted strings, got {bad!r}")
    return items


def _blanks(pattern: str) -> str:
    """Let a literal space match any run of blanks or hyphens (" ?" : optional), outside [classes]."""
    out, depth, i = [], 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        depth = 1 if char == "[" else (0 if char == "]" else depth)
        if char == " " and not depth:
            optional = pattern[i + 1 : i + 2] == "?"
            out.append(r"[ \t-]*" if optional else r"[ \t-]+")
            i += 2 if optional else 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def compile_phrase(pattern: str) -> re.Pattern[str]:
    """A data-file pattern as a compiled regex with word boundaries."""
    return re.compile(rf"(?<![\w'])(?:{_blanks(pattern)})(?!\w)")


def _phrase(entry: str | Mapping[str, str]) -> Phrase:
    if isinstance(entry, str):
        return Phrase(compile_phrase(entry))
    return Phrase(compile_phrase(entry["pattern"]), entry.get("status", "affirmed"))


def _flag_spec(raw: Mapping[str, Any]) -> FlagSpec:
    return FlagSpec(
        code=raw["code"],
        message=raw["message"],
        reference=raw["reference"],
        phrases=tuple(_phrase(p) for p in raw.get("phrases") or ()),
        all_of=tuple(tuple(group) for group in raw.get("all_of") or ()),
    )


@lru_cache(maxsize=1)
def load_red_flag_rules() -> RedFlagRules:
    """``data/red_flags.yaml``, compiled once per process."""
    raw = read_data("red_flags.yaml")
    concepts = {name: tuple(_phrase(p) for p in phrases) for name, phrases in raw["concepts"].items()}
    flags = tuple(_flag_spec(item) for item in raw["flags"])
    known = set(concepts) | SYNTHETIC_CONCEPTS
    unknown = {name for flag in flags for group in flag.all_of for name in group} - known
    if unknown:
        raise ValueError(f"red_flags.yaml: all_of names unknown concepts {sorted(unknown)}")
    return RedFlagRules(
        flags=flags,
        concepts=concepts,
        numeric=raw["numeric"],
        emergency_line=str(raw.get("emergency_line", "112")),
    )


def _words_alternation(words: Sequence[str]) -> str:
    return "|".join(_blanks(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """``data/negation.yaml``, compiled once per process."""
    raw = read_data("negation.yaml")
    term = raw["terminators"]
    words = strings(term["words"], "terminators.words")
    narrow_words = strings(term["narrow"], "terminators.narrow")
    broad = rf"{term['punctuation']}|(?<![\w'])(?:{_words_alternation(words)})(?!\w)"
    narrow = rf"{broad}|(?<![\w'])(?:{_words_alternation(narrow_words)})(?!\w)"
    cues = {
        name: (
            tuple(compile_phrase(p) for p in strings(sides.get("pre"), f"{name}.pre")),
            tuple(compile_phrase(p) for p in strings(sides.get("post"), f"{name}.post")),
        )
        for name, sides in raw["cues"].items()
    }
    return Lexicon(
        broad=re.compile(broad),
        narrow=re.compile(narrow),
        fillers=frozenset(strings(raw["filler_words"], "filler_words")),
        list_words=frozenset(strings(raw["list_words"], "list_words")),
        negation_gap=int(raw["scope"]["negation_gap_words"]),
        cue_gap=int(raw["scope"]["cue_gap_words"]),
        cues=cues,
    )


def flag_messages() -> dict[str, str]:
    """Each red flag's patient-facing message, by code."""
    return {flag.code: flag.message for flag in load_red_flag_rules().flags}


# ----------------------------------------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Lower-case with curly quotes folded, keeping every character's offset."""
    folded = text.translate(_APOSTROPHES)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


@dataclass(frozen=True)
class Cue:
    category: str
    side: str  # pre | post
    start: int
    end: int


@dataclass(frozen=True)
class _Text:
    """A normalised text with its clause boundaries, shared by every mention in it."""

    raw: str
    low: str
    broad: tuple[tuple[int, int], ...]
    narrow_pattern: re.Pattern[str]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        left = max((e for s, e in self.broad if e <= start), default=0)
        right = min((s for s, e in self.broad if s >= end), default=len(self.low))
        return left, right


def _prepare(text: str, lexicon: Lexicon) -> _Text:
    low = normalise(text)
    spans = tuple(m.span() for m in lexicon.broad.finditer(low))
    return _Text(raw=text, low=low, broad=spans, narrow_pattern=lexicon.narrow)


# ------------------------------------------------------------------------------------- cue detection


def _candidate_cues(doc: _Text, lexicon: Lexicon, start: int, end: int) -> list[Cue]:
    """Every cue match in the mention's clause, before or after it, not overlapping it."""
    left, right = doc.clause(start, end)
    found = []
    for category in CUE_ORDER:
        pre, post = lexicon.cues.get(category, ((), ()))
        found += [Cue(category, "pre", *m.span()) for p in pre for m in p.finditer(doc.low, left, start)]
        found += [Cue(category, "post", *m.span()) for p in post for m in p.finditer(doc.low, end, right)]
    return found


def _longest_first(cues: list[Cue]) -> list[Cue]:
    """Overlapping cues resolved: the longest wins, ties by ``CUE_ORDER``."""
    ranked = sorted(cues, key=lambda c: (-(c.end - c.start), CUE_ORDER.index(c.category), c.start))
    kept: list[Cue] = []
    for cue in ranked:
        if all(cue.end <= k.start or cue.start >= k.end for k in kept):
            kept.append(cue)
    return [c for c in kept if c.category != "pseudo"]


def _gap(doc: _Text, cue: Cue, start: int, end: int) -> str:
    return doc.low[cue.end : start] if cue.side == "pre" else doc.low[end : cue.start]


def _negation_holds(words: list[str], lexicon: Lexicon, side: str) -> bool:
    """Unambiguous and close: filler words only, or (before the term) a negated "X or Y" list."""
    if len(words) > lexicon.negation_gap:
        return False
    if all(w in lexicon.fillers for w in words):
        return True
    return side == "pre" and bool(words) and words[-1] in lexicon.list_words


def _cue_applies(doc: _Text, lexicon: Lexicon, cue: Cue, start: int, end: int) -> bool:
    gap = _gap(doc, cue, start, end)
    words = _WORD.findall(gap)
    if cue.category in DE_ESCALATING and doc.narrow_pattern.search(gap):
        return False
    if cue.category == "negated":
        return _negation_holds(words, lexicon, cue.side)
    return len(words) <= lexicon.cue_gap


@lru_cache(maxsize=1)
def _recency() -> re.Pattern[str]:
    """Words that put a mention in the present (negation.yaml ``recency``)."""
    words = strings(read_data("negation.yaml").get("recency"), "recency")
    return re.compile(r"(?<!\w)(?:" + "|".join(_blanks(w) for w in words) + r")(?!\w)")


def status_of(doc: _Text, lexicon: Lexicon, start: int, end: int, default: str = "affirmed") -> str:
    """The status of the mention at ``[start, end)`` from the cues around it.

    A family cue with a recency word in the same clause ("my mother had a stroke this morning") is an
    emergency happening now to someone: uncertain, so it escalates."""
    cues = _longest_first(_candidate_cues(doc, lexicon, start, end))
    applying = {c.category for c in cues if _cue_applies(doc, lexicon, c, start, end)}
    status = next((s for s in STATUS_PRECEDENCE if s in applying), default)
    if status == "family" and _recency().search(doc.low, *doc.clause(start, end)):
        return "uncertain"
    return status


# -------------------------------------------------------------------------------------- phrase search


def _matches(doc: _Text, phrases: Sequence[Phrase]) -> Iterator[tuple[int, int, str]]:
    for phrase in phrases:
        for m in phrase.pattern.finditer(doc.low):
            if m.end() > m.start():
                yield m.start(), m.end(), phrase.status


def _without_nested(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """One mention per stretch of text: a match inside a longer match of the same code is dropped."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if not any(k[0] <= span[0] and span[1] <= k[1] for k in kept):
            kept.append(span)
    return sorted(kept)


def _mentions(doc: _Text, lexicon: Lexicon, code: str, phrases: Sequence[Phrase]) -> list[Finding]:
    return [
        Finding(code, doc.raw[s:e], status_of(doc, lexicon, s, e, default), (s, e))
        for s, e, default in _without_nested(_matches(doc, phrases))
    ]


# --------------------------------------------------------------------------------------------- numbers

_NUMBER = r"(\d{1,3}(?:\.\d+)?)"
_TEMPERATURE = (
    re.compile(
        rf"(?:temp\w*|fever\w*|pyrexia|thermometer|reading|hot)\D{{0,20}}?(?<![\d.]){_NUMBER}(?![\d])"
    ),
    re.compile(rf"(?<![\d.]){_NUMBER}\s*(?:°|º|deg\w*|celsius|centigrade|fahrenheit|c|f)(?![a-z])"),
)
_GLUCOSE = re.compile(
    r"(?:sugar|glucose|rbs|fbs|fbg|rbg)\D{0,20}?(?<![\d.])(\d{1,4}(?:\.\d+)?)(?![\d.])"
    r"(?!\s*(?:days?|weeks?|wks?|hrs?|hours?|times|months?|years?|yrs?|tabs?|tablets?))\s*(mmol|mg)?"
)
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
}
_UNIT_YEARS = {
    "day": 1 / 365.25,
    "week": 7 / 365.25,
    "wk": 7 / 365.25,
    "month": 1 / 12,
    "mth": 1 / 12,
    "mnth": 1 / 12,
    "mo": 1 / 12,
    "year": 1.0,
    "yr": 1.0,
}
_AGE_AMOUNT = r"(\d+(?:\.\d+)?|" + "|".join(_WORD_NUMBERS) + r")"
_AGE_UNIT = r"(days?|weeks?|wks?|months?|mths?|mnths?|mos?|years?|yrs?)"
_AGE = (
    re.compile(rf"(?<![\w.]){_AGE_AMOUNT}[\s-]*{_AGE_UNIT}[\s-]*old(?!\w)"),
    re.compile(
        rf"(?<![\w.]){_AGE_AMOUNT}[\s-]*{_AGE_UNIT}[\s-]+(?:old[\s-]+)?(?:baby|infant|child|pikin|boy|girl|son|daughter)"
    ),
    re.compile(
        rf"(?:baby|infant|pikin|child|son|daughter)\s+(?:of|aged?|is)\s+{_AGE_AMOUNT}[\s-]*{_AGE_UNIT}(?!\w)"
    ),
)
_NEWBORN = re.compile(r"(?<!\w)(?:new[\s-]?born|neonate)(?!\w)")
NEWBORN_AGE_YEARS = 7 / 365.25  # "newborn" without a number: read as one week old


def _celsius(value: float, numeric: Mapping[str, Any]) -> float | None:
    low_c, high_c = numeric["temperature_celsius_range"]
    low_f, high_f = numeric["temperature_fahrenheit_range"]
    if low_c <= value <= high_c:
        return value
    if low_f <= value <= high_f:
        return round((value - 32) * 5 / 9, 1)
    return None


def read_temperatures(low: str, numeric: Mapping[str, Any]) -> list[tuple[float, tuple[int, int]]]:
    """Body temperatures written in the text, in Celsius, with their spans."""
    found = {}
    for pattern in _TEMPERATURE:
        for m in pattern.finditer(low):
            celsius = _celsius(float(m.group(1)), numeric)
            if celsius is not None:
                found[m.span(1)] = celsius
    return [(value, span) for span, value in sorted(found.items())]


def _age_amount(text: str) -> float:
    return float(_WORD_NUMBERS[text]) if text in _WORD_NUMBERS else float(text)


def _unit_years(unit: str) -> float:
    return _UNIT_YEARS[unit.rstrip("s")]


def read_ages(low: str) -> list[tuple[float, tuple[int, int]]]:
    """Ages written in the text ("6 weeks old", "2-month-old baby", "newborn"), in years."""
    found = {
        m.span(): _age_amount(m.group(1)) * _unit_years(m.group(2))
        for pattern in _AGE
        for m in pattern.finditer(low)
    }
    found.update({m.span(): NEWBORN_AGE_YEARS for m in _NEWBORN.finditer(low)})
    return [(years, span) for span, years in sorted(found.items())]


def glucose_is_extreme(value: float, unit: str | None, limits: Mapping[str, float]) -> bool:
    """Very low or very high; without a unit, any reading extreme in mmol/L or in mg/dL counts."""
    mmol = value <= limits["low_mmol"] or value >= limits["high_mmol"]
    mg = value <= limits["low_mg_dl"] or value >= limits["high_mg_dl"]
    if unit == "mmol":
        return mmol
    if unit == "mg":
        return mg
    return (
        (mmol and value < limits["low_mg_dl"])
        or (mg and value > limits["high_mmol"])
        or (value <= limits["low_mmol"])
    )


def read_glucose(low: str, limits: Mapping[str, float]) -> list[tuple[int, int]]:
    """Spans of blood-glucose readings that are extreme."""
    return [
        m.span() for m in _GLUCOSE.finditer(low) if glucose_is_extreme(float(m.group(1)), m.group(2), limits)
    ]


# -------------------------------------------------------------------------------------------- concepts


def _numeric_concepts(doc: _Text, numeric: Mapping[str, Any], age_years: float | None) -> list[Finding]:
    """Concepts read from numbers: a measured fever, an infant under 3 months, extreme glucose."""
    fever_min = numeric["fever_min_celsius"]
    found = [
        Finding("fever", doc.raw[s:e], "affirmed", (s, e))
        for value, (s, e) in read_temperatures(doc.low, numeric)
        if value >= fever_min
    ]
    found += [
        Finding("glucose_abnormal", doc.raw[s:e], "affirmed", (s, e))
        for s, e in read_glucose(doc.low, numeric["glucose"])
    ]
    text_ages = read_ages(doc.low)
    found += [
        Finding("infant_under_3_months", doc.raw[s:e], "affirmed", (s, e))
        for years, (s, e) in text_ages
        if years < numeric["infant_red_max_age_years"]
    ]
    if age_years is not None and age_years < numeric["infant_red_max_age_years"]:
        found.append(Finding("infant_under_3_months", f"age {age_years:g} years (patient facts)", "affirmed"))
    return found


def _fact_concepts(pregnant: bool | None) -> list[Finding]:
    return [Finding("pregnancy", "pregnant (patient facts)", "affirmed")] if pregnant else []


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


# ------------------------------------------------------------------------------------------------ scan


def find_red_flags(text: str, *, age_years: float | None = None, pregnant: bool | None = None) -> RedFlagScan:
    """Red flags in ``text``, each with its status and span (see the module docstring).

    ``age_years`` and ``pregnant`` are patient facts given beside the text: they count as the
    "infant under 3 months" and "pregnancy" parts of combined flags.
    """
    rules, lexicon = load_red_flag_rules(), load_lexicon()
    doc = _prepare(text or "", lexicon)
    concepts = [f for name, phrases in rules.concepts.items() for f in _mentions(doc, lexicon, name, phrases)]
    concepts += _numeric_concepts(doc, rules.numeric, age_years) + _fact_concepts(pregnant)
    findings = [f for flag in rules.flags for f in _mentions(doc, lexicon, flag.code, flag.phrases)]
    findings += [f for flag in rules.flags for f in _combined(flag, concepts)]
    temperatures = read_temperatures(doc.low, rules.numeric)
    ages = read_ages(doc.low)
    return RedFlagScan(
        findings=tuple(findings),
        concepts=tuple(concepts),
        temperature_c=max((v for v, _ in temperatures), default=None),
        age_years=min((v for v, _ in ages), default=None),
    )
