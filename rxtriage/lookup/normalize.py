"""Normalisation of typed medication names (a pure, total function).

Patients type names with strength, form, pack size, dosing words and filler glued on:
"Panadol Extra 500mg tabs x2", "pcm 500mg x2 cards", "ampiclox syrup for my baby".
:func:`normalize` splits those off and returns a :class:`Normalized` with

- ``text``: the cleaned name shown to people ("panadol extra", "augmentin 625");
- ``keys``: names-index keys to try, most specific first, each passed through ``name_key``
  (forms kept, then dropped; trailing numbers kept, then dropped; strength modifiers such as
  "forte"/"ds" dropped; salt words dropped; combination connectors dropped; two-part combinations
  reversed; error-prone abbreviations followed by what they may mean, so candidates can be offered);
- ``strength_mg``: one mg figure when the input states exactly one in mg/g/mcg ("1g" -> 1000.0);
  a bare number ("Augmentin 625", "Flagyl 400") is never read as mg: it is kept in ``strength_text``;
- ``form``: a canonical form word (tablet, capsule, syrup, suspension, injection, ...).

Work is bounded: only the first ``MAX_INPUT`` characters are read.  Any unexpected failure yields an
empty result instead of an exception.  ``normalize(normalize(x).text).text == normalize(x).text``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rxtriage.lookup.keys import name_key
from rxtriage.lookup.types import Normalized, Strength

__all__ = [
    "DATA_DIR",
    "FORM_WORDS",
    "MAX_INPUT",
    "MAX_KEYS",
    "MG_PER_UNIT",
    "SALT_WORDS",
    "STOP_WORDS",
    "error_prone_abbreviations",
    "error_prone_expansions",
    "normalize",
    "strength_parse",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

MAX_INPUT = 300  # characters read from the input (the API allows 200 per name)
MAX_KEYS = 16

# --- vocabulary (data/vocabulary.yaml, with its sources) ----------------------------------------------


def _vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))
    return data


_VOCABULARY = _vocabulary()


def _words_of(section: str) -> frozenset[str]:
    return frozenset(str(w) for w in _VOCABULARY[section]["words"])


# form word -> canonical form
FORM_WORDS: dict[str, str] = {
    str(word): str(form) for form, words in _VOCABULARY["forms"].items() for word in words
}
# "cough syrup" and "linctus" read as syrup; the place words go with a form
_ROUTE_WORDS = _words_of("route_words")
_PACK_WORDS = _words_of("pack_words")
_DOSING_WORDS = _words_of("dosing_words")
_FILLER_WORDS = _words_of("filler_words")
_LEADING_ONLY = _words_of("leading_only")
# strength modifiers: the same medicine in another strength or release form (never "plus"/"extra")
_MODIFIERS = _words_of("modifiers")
# makers' names typed before the medicine ("emzor ibuprofen"); dropped in the last variant only
_MAKERS = _words_of("makers")
# salt and ester words stripped for matching; butylbromide never, hydrobromide not from hyoscine
SALT_WORDS = _words_of("salt_words")
_IONS = _words_of("ions")
_HYOSCINE = _words_of("hyoscine_names")
_CONNECTORS = _words_of("connectors")
_TOKEN_EXPANSIONS: dict[str, str] = {str(k): str(v) for k, v in _VOCABULARY["token_expansions"].items()}
_PHRASE_EXPANSIONS: dict[str, str] = {str(k): str(v) for k, v in _VOCABULARY["phrase_expansions"].items()}
_PHRASES = re.compile(
    r"\b(?:"
    + "|".join(
        r"\s+".join(map(re.escape, p.split())) for p in sorted(_PHRASE_EXPANSIONS, key=len, reverse=True)
    )
    + r")\b"
)
# abbreviations of a combination's part, spelled out when typed beside another name ("losartan hctz")
_PART_ABBREVIATIONS: dict[str, str] = {str(k): str(v) for k, v in _VOCABULARY["part_abbreviations"].items()}
# words that carry no name of their own ("drug for malaria"): read by the matcher
STOP_WORDS = _words_of("stop_words")
# mass unit -> milligrams: the one table strengths are read with (the triage rules read strengths
# through :func:`strength_parse` and the lookup's result)
MG_PER_UNIT: dict[str, float] = {str(k): float(v) for k, v in _VOCABULARY["mg_per_unit"].items()}


@lru_cache(maxsize=1)
def error_prone_abbreviations() -> dict[str, tuple[str, ...]]:
    """Error-prone abbreviation key -> the generic names it may mean (data/error_prone_abbreviations.yaml)."""
    raw = yaml.safe_load((DATA_DIR / "error_prone_abbreviations.yaml").read_text(encoding="utf-8")) or []
    return {name_key(item["abbreviation"]): tuple(item.get("may_mean") or ()) for item in raw}


def error_prone_expansions(key: str) -> tuple[str, ...]:
    """What an error-prone abbreviation key may mean (empty for any other key)."""
    return error_prone_abbreviations().get(key, ())


# --- patterns -----------------------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
_UNIT = (
    r"(?:mg|mgs|milligrams?|mcg|mcgs|ug|micrograms?|ng|nanograms?|g|gm|gms|grams?|kg|ml|mls|cc|"
    r"millilit(?:er|re)s?|l|lit(?:er|re)s?|ltr|iu|i\.u\.?|(?:million|mega)\s*(?:units?|iu)|units?|u|%|mmol|"
    r"micromol|meq|mu|miu)"
)
# what a strength is per: a volume, a dose unit or a time ("250mg/5ml", "25mcg/hr", "100mcg/dose",
# "5mg in 5ml", "1 mg per ml", "40mg/kg", "1% w/w")
_PER = (
    r"(?:ml|mls|l|g|kg|tabs?|tablets?|caps?|capsules?|doses?|metered\s*doses?|actuations?|puffs?|sprays?|"
    r"drops?|vials?|amps?|ampoules?|sachets?|applications?|inhalations?|hrs?|h|hours?|24\s*h(?:rs?|ours?)?|"
    r"days?|d|mins?|minutes?)"
)
_STRENGTH = re.compile(
    rf"(?<![a-z0-9.])(?P<num>{_NUM}(?:\s*[/+]\s*{_NUM})*)\s*(?P<unit>{_UNIT})"
    rf"(?:\s*(?:(?:/|per)\s*(?:{_NUM})?|in\s*{_NUM})\s*{_PER})?"
    r"(?:\s*[wv]\s*/\s*[wv])?"
    r"(?![a-z0-9])"
)
_PER_VOLUME = re.compile(rf"(?<![a-z0-9])/\s*{_NUM}?\s*ml\b")
# dosing shorthand: durations written as a fraction of a week, year or month ("x 3/7" = three days,
# "1/52" = one week, "for 2/12" = two months) and the Indian "1-0-1" (morning-noon-night)
_DOSING_SHORTHAND = re.compile(
    r"(?:(?<![\d/.])(?:(?:x|for)\s*)?\d{1,2}\s*/\s*(?:7|52)|(?:x|for)\s*\d{1,2}\s*/\s*12)(?![\d/])"
    r"|(?<![\d./-])[0-2](?:-[0-2]){2,3}(?![\d./-])"
)
_PACK = re.compile(
    r"(?<![a-z0-9])(?:(?:x|\*)\s*\d+|\d+\s*(?:x|\*)(?![a-z0-9]))"
    r"|(?<![a-z0-9./])\d+\s*(?:cards?|strips?|packs?|packets?|pkts?|sachets?|satchets?|bottles?|box(?:es)?|"
    r"tins?|tubes?|pieces?|pcs|vials?|amps?|ampoules?|doses?|days?|weeks?|months?|times?|puffs?|drops?|"
    r"spoons?|teaspoons?|tsp|tbsp|spoonfuls?|injections?|blisters?|hourly|hrly|hourlies)\b"
    # "2 tabs" is a count, "flagyl 400 tabs" a strength code: counts have at most two digits
    r"|(?<![a-z0-9./])\d{1,2}\s*(?:tablets?|tabs?|caps?|capsules?|caplets?)\b"
)
_FILLER_PHRASES = re.compile(
    r"\b(?:i\s*(?:am|m)?\s*(?:need|want|take|taking|use|using|on|buy|would like)|can i (?:get|have|buy)|"
    r"give me|help me(?: with)?|do you have|looking for|my doctor (?:gave|prescribed|said)(?: me)?|"
    r"(?:once|twice|thrice|three times|\d+ times) (?:a|per|every|in a) day|every \d+ ?(?:hours?|hrs?|h)|"
    r"(?:after|before|with) (?:meals?|food|eating|bed)|at night|in the morning|as (?:needed|required)|"
    r"when (?:needed|necessary|required))\b"
)
_FOR_TAIL = re.compile(r"\s(?:for|4)\s.*$")
# "panadol500mg" -> "panadol 500mg", but chemical formulae stay whole: "feso4", "mgso4", "znso4"
_GLUE = re.compile(r"\b(?![a-z]*(?:so|po|no)\d\b)([a-z]{3,})(?=\d)")
# "flagyl400tabs" -> "flagyl400 tabs", "rhze 4fdc" -> "rhze 4 fdc": a number glued to a form or pack word
_GLUE_FORM = re.compile(
    r"(?<=\d)(?=(?:tabs?|tablets?|caps?|capsules?|caplets?|syr(?:up)?|susp(?:ension)?|inj(?:ection)?|fdc)\b)"
)
# letters with digits glued on ("abc123", "zifi200"): never read as an abbreviation plus a number
_GLUED_NUMBER = re.compile(r"\b(?![a-z]*(?:so|po|no)\d\b)[a-z]{2,}\d+\b")
_SEPARATOR_SPACING = re.compile(r"\s*([/+])\s*")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.\d+)?|[/+&-]")
_NUMBER = re.compile(rf"^{_NUM}$")
_DECIMAL = re.compile(r"\d\.\d")
_LONE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_SPACES = re.compile(r"\s+")
# dashes and minus signs to "-", the multiplication sign to "x", micro signs to "u", quotes dropped
_DASHES = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00d7": "x",
        "\u00b5": "u",
        "\u03bc": "u",
        "\u2019": "",
        "'": "",
        "`": "",
        "\uff0b": "+",
    }
)
_POSSESSIVE = re.compile(r"(?<=[a-z])['\u2019]s\b")  # "ringer's" -> "ringer s", as name_key reads it
_ALLOWED = re.compile(r"[^a-z0-9 ./+%&*-]")
# letters written with dots: "S.P.", "O.R.S", "P.C.M" -> "sp", "ors", "pcm"
_ACRONYM_DOTS = re.compile(r"(?<![a-z0-9.])(?:[a-z]\.){1,5}[a-z](?:\.|(?![a-z0-9]))")
# trade mark, service mark and copyright signs ("Panadol™"): NFKC would glue "TM" to the name
_MARKS = re.compile("[\u2122\u2120\u00ae\u00a9]")
# a maker's name written with "&" would read as a combination: "May & Baker paracetamol", "M&B ..."
_MAKER_PHRASES = re.compile(r"\b(?:may\s*(?:&|and|n)\s*baker|m\s*&\s*b)\b")
# "vitaminc", "vitc", "vitb12", "vitaminb complex", "vitd3": the vitamin letter glued to the word
# (not "vitamine", a spelling of "vitamin")
_VITAMIN_GLUE = re.compile(r"\bvit(?:amin)?([abcdk](?:\d{1,2})?)\b")

# --- steps --------------------------------------------------------------------------------------------


def _prepare(text: str) -> str:
    """Lowercase, fold Unicode and accents, keep only the characters the parser reads."""
    text = _POSSESSIVE.sub(" s", unicodedata.normalize("NFKC", _MARKS.sub(" ", text[:MAX_INPUT])).lower())
    text = text.translate(_DASHES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = _ACRONYM_DOTS.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _ALLOWED.sub(" ", text)
    text = _MAKER_PHRASES.sub(" maybaker ", text)
    text = _VITAMIN_GLUE.sub(r"vitamin \1", text)
    text = _PHRASES.sub(lambda m: _PHRASE_EXPANSIONS[" ".join(m.group(0).split())], text)
    text = _GLUE.sub(r"\1 ", text)
    text = _GLUE_FORM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _mg(number: str, unit: str) -> float | None:
    factor = MG_PER_UNIT.get(unit)
    if factor is None or not _NUMBER.match(number):
        return None
    return round(float(number) * factor, 6)


def _split_strengths(text: str) -> tuple[str, list[str], list[float | None], list[float]]:
    """Remove every "500mg", "80/480 mg", "250mg/5ml", "1g", "5%"; return them, their mg figures (None
    unless one plain number in a mass unit) and every part's mg figure ("37.5/325mg" -> 37.5, 325.0)."""
    found: list[str] = []
    figures: list[float | None] = []
    parts: list[float] = []

    def take(match: re.Match[str]) -> str:
        number, unit = _SPACES.sub("", match.group("num")), match.group("unit").replace(".", "")
        found.append(_SPACES.sub("", match.group(0)))
        figures.append(_mg(number, unit))
        parts.extend(mg for part in re.split(r"[/+]", number) if (mg := _mg(part, unit)) is not None)
        return " "

    text = _STRENGTH.sub(take, text)
    text = _PER_VOLUME.sub(" ", text)
    return text, found, figures, parts


def _form_of(tokens: Iterable[str]) -> str | None:
    for token in tokens:
        if token in FORM_WORDS:
            return FORM_WORDS[token]
    return None


def _strip_phrases(text: str) -> str:
    text = _DOSING_SHORTHAND.sub(" ", text)
    text = _PACK.sub(" ", text)
    text = _FILLER_PHRASES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _cut_for_tail(text: str) -> str:
    """ "ampiclox syrup for my baby" -> "ampiclox syrup" (the whole is tried first: "water for injection")."""
    return _FOR_TAIL.sub("", " " + text).strip() if re.search(r"\S\s(?:for|4)\s", text) else text


def _tokens(text: str) -> list[str]:
    text = _SEPARATOR_SPACING.sub(r" \1 ", text.replace("&", " & ").replace("%", " ").replace("*", " "))
    text = _LONE_DOT.sub(" ", text) if _DECIMAL.search(text) else text.replace(".", " ")
    return " ".join(_TOKEN_EXPANSIONS.get(t, t) for t in _TOKEN.findall(text)).split()


def _name_tokens(tokens: list[str]) -> list[str]:
    return _drop_edges(
        [t for t in tokens if t not in _DOSING_WORDS and t not in _FILLER_WORDS and t not in _PACK_WORDS]
    )


def _drop_edges(tokens: list[str]) -> list[str]:
    """Drop leading filler and separators left hanging at either end, and doubled separators."""
    while tokens and (tokens[0] in _LEADING_ONLY or tokens[0] in _CONNECTORS - {"plus"}):
        tokens = tokens[1:]
    while tokens and tokens[-1] in {"/", "+", "-", "&", "and", "with", "for"}:
        tokens = tokens[:-1]
    out: list[str] = []
    for token in tokens:
        if token in {"/", "+", "-", "&"} and out and out[-1] in {"/", "+", "-", "&"}:
            continue
        out.append(token)
    return out


def _core_tokens(tokens: list[str]) -> list[str]:
    """The name's tokens: forms, route words next to forms, pack, dosing and filler words removed."""
    kept = [t for t in tokens if t not in _DOSING_WORDS and t not in _FILLER_WORDS and t not in _PACK_WORDS]
    has_form = any(t in FORM_WORDS for t in kept)
    kept = [t for t in kept if t not in FORM_WORDS]
    if has_form and len(kept) > 1:
        kept = [t for t in kept if t not in _ROUTE_WORDS] or kept
    return _drop_edges(kept)


def _join(tokens: list[str]) -> str:
    """Tokens back to text: "/" and "-" bind their neighbours, "+" and words are spaced."""
    text = " ".join(tokens)
    text = re.sub(r"\s*([/-])\s*", r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _parse(text: str) -> tuple[str, list[str], str | None, list[str], list[float | None], list[float]]:
    """One pass: the cleaned name, its tokens with forms kept, the form, strengths, mg figures and parts."""
    prepared = _prepare(text)
    rest, strengths, figures, parts = _split_strengths(prepared)
    whole = _strip_phrases(rest)
    cut = _cut_for_tail(whole)
    tokens = _tokens(cut)
    form = _form_of(tokens)
    with_forms = _name_tokens(_tokens(whole))
    core = _core_tokens(tokens)
    return _join(core), with_forms, form, strengths, figures, parts


# --- key variants -------------------------------------------------------------------------------------


def _words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in {"/", "+", "-", "&"}]


def _without_numbers(tokens: list[str]) -> list[str]:
    kept = [t for t in tokens if not _NUMBER.match(t)]
    return _drop_edges(kept) if _words(kept) else tokens


def _without_modifiers(tokens: list[str]) -> list[str]:
    kept = [t for t in tokens if t not in _MODIFIERS and t not in _MAKERS]
    return _drop_edges(kept) if _words(kept) else tokens


def _without_salts(tokens: list[str]) -> list[str]:
    """Salt and ester words dropped, unless they are the medicine ("magnesium sulfate", hyoscine's)."""
    words = _words(tokens)
    if any(w in _HYOSCINE for w in words) or "butylbromide" in words:
        return tokens
    kept = [t for t in tokens if t not in SALT_WORDS]
    remaining = [
        w
        for w in _words(kept)
        if len(w) >= 4 and not _NUMBER.match(w) and w not in FORM_WORDS and w not in _ROUTE_WORDS | _IONS
    ]
    return _drop_edges(kept) if remaining else tokens


def _without_connectors(tokens: list[str]) -> list[str]:
    """Connectors dropped; a trailing "plus" is kept: "Nurofen Plus" (ibuprofen + codeine) or
    "Coversyl Plus" is another product than "Nurofen" or "Coversyl"."""
    last = len(tokens) - 1
    return [t for i, t in enumerate(tokens) if t not in _CONNECTORS or (t == "plus" and i == last and i > 0)]


def _reversed_pair(tokens: list[str]) -> list[str] | None:
    """ "B A" for a two-part combination written "A/B", "A + B", "A and B", "A with B" or "A-B"."""
    for sep in ("/", "+", "&", "and", "with", "-"):
        if tokens.count(sep) != 1:
            continue
        at = tokens.index(sep)
        left, right = _words(tokens[:at]), _words(tokens[at + 1 :])
        if not left or not right or any(_NUMBER.match(w) for w in left + right):
            continue
        if sep == "-" and (min(len(left[-1]), len(right[0])) < 4 or left[-1] == "co"):
            continue
        return right + left
    return None


def _variants(with_forms: list[str], core: list[str]) -> list[list[str]]:
    """Token lists to look up, most specific first."""
    stages = [with_forms, core]
    stages.append(_without_numbers(core))
    stages.append(_without_modifiers(stages[-1]))
    out: list[list[str]] = []
    for stage in stages:
        out.append(stage)
        salted = _without_salts(stage)
        out.append(salted)
        out.append(_without_connectors(salted))
        flipped = _reversed_pair(salted)
        if flipped:
            out.append(flipped)
    if len(_words(core)) > 1 and any(t in _PART_ABBREVIATIONS for t in core):
        spelled = [
            _PART_ABBREVIATIONS.get(t, t) for t in _without_salts(_without_modifiers(_without_numbers(core)))
        ]
        out.extend([spelled, _without_connectors(spelled)])
        flipped = _reversed_pair(spelled)
        if flipped:
            out.append(flipped)
    return out


def _keys(variants: list[list[str]]) -> tuple[str, ...]:
    keys: list[str] = []
    for tokens in variants:
        key = name_key(" ".join(tokens))
        if key and key not in keys:
            keys.append(key)
    for key in list(keys[:4]):
        for meaning in error_prone_expansions(key):
            expanded = name_key(meaning)
            if expanded and expanded not in keys:
                keys.append(expanded)
    return tuple(keys[:MAX_KEYS])


def _is_combination(text: str) -> bool:
    """A co- name or parts joined by a connector: its one figure is a sum of parts, never "mg of X"."""
    words = text.replace("/", " / ").replace("-", " - ").split()
    return text.startswith("co-") or any(w in _CONNECTORS for w in words[1:-1])


def _strength(
    strengths: list[str], figures: list[float | None], text: str
) -> tuple[float | None, str | None]:
    """One mg figure when exactly one is stated; otherwise None.  Bare numbers are text only."""
    distinct = {f for f in figures if f is not None}
    strength_mg = distinct.pop() if len(distinct) == 1 and not _is_combination(text) else None
    if strengths:
        return strength_mg, " ".join(strengths)
    bare = [t for t in re.split(r"[\s/-]+", text) if _NUMBER.match(t)]
    return None, "/".join(bare) if bare else None


_PARENTHESES = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


def _aside_variants(text: str) -> list[list[str]]:
    """ "Hydrochlorothiazide (HCTZ)": the name without its aside, then the aside alone."""
    asides = _PARENTHESES.findall(text[:MAX_INPUT])
    if not asides:
        return []
    out: list[list[str]] = []
    for part in (_PARENTHESES.sub(" ", text[:MAX_INPUT]), *asides[:2]):
        cleaned, with_forms, *_ = _parse(part)
        out.extend(_variants(with_forms, _TOKEN.findall(cleaned)))
    return out


def _normalize(text: str) -> Normalized:
    cleaned, with_forms, form, strengths, figures, parts = _parse(text)
    for _ in range(4):  # settle to a fixed point so ``text`` is idempotent
        again = _parse(cleaned)[0]
        if again == cleaned:
            break
        cleaned = again
    core = _TOKEN.findall(cleaned)
    keys = _keys(_variants(with_forms, core) + _aside_variants(text))
    strength_mg, strength_text = _strength(strengths, figures, cleaned)
    return Normalized(
        input=text,
        text=cleaned,
        keys=keys,
        strength_mg=strength_mg,
        strength_text=strength_text,
        form=form,
        strength=Strength(
            figures_mg=tuple(parts),
            numbers=tuple(float(t) for t in re.split(r"[\s/-]+", cleaned) if _NUMBER.match(t)),
        ),
        glued_number=bool(_GLUED_NUMBER.search(text[:MAX_INPUT].lower())),
    )


# Memoised for the L1 hot path: normalising costs ~0.2 ms, a repeat ~0.2 us.  Bounded, in process only,
# and only for inputs no longer than a medication name may be (the API's limit is 200 characters).
NORMALIZE_MEMO_SIZE = 8192
NORMALIZE_MEMO_MAX_CHARS = 200


def _normalize_total(text: str) -> Normalized:
    try:
        return _normalize(text)
    except Exception:  # total by contract: a broken name is "not found", never a 500
        return Normalized(input=text, text="", keys=())


_normalize_memo = lru_cache(maxsize=NORMALIZE_MEMO_SIZE)(_normalize_total)


def normalize(text: str) -> Normalized:
    """Split strength, form, pack, dosing and filler off a typed name; never raises."""
    raw = text if isinstance(text, str) else str(text)
    if len(raw) <= NORMALIZE_MEMO_MAX_CHARS:
        return _normalize_memo(raw)
    return _normalize_total(raw)


def strength_parse(text: str) -> Strength:
    """The strength a text states ("200 mg", "37.5/325mg", "225"): mass figures in mg and bare numbers.
    The triage rules read typed strength fields with it, so one parser owns strengths."""
    return normalize(text).strength
