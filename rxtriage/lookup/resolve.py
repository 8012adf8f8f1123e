"""Matching policy: from names-index rows to a resolution (docs/architecture.md section 4).

- :func:`resolve_exact`: the rows whose name is one of the normalised keys.  The most specific key
  wins, then the kind (generic > brand > synonym > co_name > abbreviation).  A key that belongs to two
  medicines is ambiguous and offered, never silently picked; error-prone abbreviations (MTX, MS, MgSO4,
  "U"...) never auto-resolve; words typed in place of a medicine ("malaria", "antibiotics", "typhoid
  drug") resolve to nothing.
- :func:`fuzzy_query_keys` / :func:`resolve_fuzzy`: candidates from fuzzy retrieval are re-scored
  with :func:`rxtriage.lookup.fuzzy.name_similarity`, so the outcome does not depend on which
  retrieval found them.  A match is accepted only above a length-aware threshold and must be
  confirmed by a human when the score is below a high bar, when another medicine is close behind, or
  when the candidates hold a look-alike/sound-alike pair.  A fuzzy match that names another product
  is refused: the typed name adds a word to the name ("Claritin-D"), leaves off the last word(s) of a
  combination's name ("Betnovate" vs "Betnovate-N"), holds another medicine's whole name
  ("ampicillin flucloxacillin"), is the start of another medicine's name ("Norflox" is norfloxacin cut
  short, not "Norflex"), or is typed as parts joined by "+", "/", "and"... while the match is a single
  medicine ("chloroquine + sp").
- Fuzzy matching never crosses a look-alike/sound-alike pair: a typed name as close to a partner's
  names (stocked or not: "folinic acid", "leucovorin") as to the match is refused.  The exact name of a
  known medicine the formulary does not stock (``data/known_medicines.yaml``), or a fuzzy match closer
  to one of those, answers ``none`` with the note ``not_in_formulary``.  Letters with digits glued on
  ("abc123") never make an abbreviation.

The word lists are data with their sources (``data/*.yaml``), loaded once per process.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

import yaml
from rapidfuzz.distance import OSA

from rxtriage.formulary.keys import KIND_ORDER, name_key
from rxtriage.lookup.fuzzy import name_similarity
from rxtriage.lookup.normalize import (
    DATA_DIR,
    FORM_WORDS,
    SALT_WORDS,
    STOP_WORDS,
    error_prone_abbreviations,
)
from rxtriage.lookup.types import Candidate, DrugInfo, NameRow, Normalized, Resolution

__all__ = [
    "ACCEPT_MIN",
    "CONFIRM_BELOW",
    "RUNNER_UP_MARGIN",
    "accept_threshold",
    "fuzzy_query_keys",
    "is_listed_not_medicine",
    "is_not_medicine",
    "lasa_pairs",
    "max_edits",
    "not_medicines",
    "resolve_exact",
    "resolve_fuzzy",
]

_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}

# Thresholds, tuned on tests/lookup/data/labelled_names.yaml (see evaluate.py):
ACCEPT_MIN = 0.86  # the lowest fuzzy score accepted at all (long names)
CONFIRM_BELOW = 0.95  # an accepted fuzzy match below this is confirmed by a human
RUNNER_UP_MARGIN = 0.04  # another medicine within this of the best: confirm
TIE_MARGIN = 0.005  # another medicine this close: ambiguous, no pick
SLIP_TIE_MARGIN = 0.05  # another medicine as few slips away and this close: ambiguous, no pick
LASA_FLOOR = 0.55  # a LASA partner counts once it scores at least this
NOT_MEDICINE_MARGIN = 0.02  # a non-medicine word this close to the best drug name: refuse
MAX_CANDIDATES = 5
MAX_FUZZY_KEYS = 4

# words that carry no name of their own ("drug for malaria"): data/vocabulary.yaml ``stop_words``
_STOP_WORDS = STOP_WORDS


# --- data ---------------------------------------------------------------------------------------------


def _load(name: str) -> Any:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or []


@lru_cache(maxsize=1)
def not_medicines() -> frozenset[str]:
    """Keys of words and phrases typed in place of a medicine (data/not_medicines.yaml)."""
    return frozenset(name_key(str(term)) for group in _load("not_medicines.yaml") for term in group["terms"])


@lru_cache(maxsize=1)
def _not_medicine_words() -> frozenset[str]:
    return frozenset(k for k in not_medicines() if " " not in k) | {name_key(w) for w in _STOP_WORDS}


@lru_cache(maxsize=1)
def _not_medicine_list() -> tuple[str, ...]:
    return tuple(sorted(k for k in not_medicines() if len(k) >= 4))


@lru_cache(maxsize=1)
def lasa_pairs() -> frozenset[frozenset[str]]:
    """Look-alike/sound-alike generic-name pairs (data/lasa_pairs.yaml)."""
    return frozenset(frozenset(str(g).lower() for g in item["pair"]) for item in _load("lasa_pairs.yaml"))


@lru_cache(maxsize=1)
def lasa_partner_names() -> dict[str, frozenset[str]]:
    """Generic name -> the name keys of its look-alike/sound-alike partners: each partner's generic name,
    the name it is confused as (``as``) and its other names (``also``), stocked or not."""
    partners: dict[str, set[str]] = {}
    for item in _load("lasa_pairs.yaml"):
        members = [str(g).lower() for g in item["pair"]]
        seen_as = [str(a) for a in item.get("as") or ()]
        also = item.get("also") or {}
        names = {
            m: {name_key(m), *(name_key(n) for n in seen_as[pos : pos + 1])}
            | {name_key(str(n)) for n in also.get(m) or ()}
            for pos, m in enumerate(members)
        }
        for m in members:
            for other in members:
                if other != m:
                    partners.setdefault(m, set()).update(names[other])
    return {generic: frozenset(keys) for generic, keys in partners.items()}


@lru_cache(maxsize=1)
def known_medicines() -> frozenset[str]:
    """Keys of medicines the formulary does not stock (data/known_medicines.yaml)."""
    return frozenset(name_key(str(n)) for group in _load("known_medicines.yaml") for n in group["names"])


@lru_cache(maxsize=1)
def _known_medicine_list() -> tuple[str, ...]:
    return tuple(sorted(known_medicines()))


@lru_cache(maxsize=1)
def _known_first_words() -> tuple[str, ...]:
    """The first word of every known medicine's key, sorted: a prefix search is a bisection."""
    return tuple(sorted({name.split()[0] for name in known_medicines() if name}))


def _known_extending(query: str) -> Iterable[str]:
    """The known medicines' first words that begin with ``query``."""
    words = _known_first_words()
    i = bisect_left(words, query)
    while i < len(words) and words[i].startswith(query):
        yield words[i]
        i += 1


@lru_cache(maxsize=1)
def _expansion_keys() -> frozenset[str]:
    return frozenset(name_key(m) for meanings in error_prone_abbreviations().values() for m in meanings)


@lru_cache(maxsize=1)
def _salt_keys() -> frozenset[str]:
    return frozenset(name_key(w) for w in SALT_WORDS) | {"disoproxil"}


@lru_cache(maxsize=1)
def _form_keys() -> frozenset[str]:
    return frozenset(name_key(w) for w in FORM_WORDS)


# --- helpers ------------------------------------------------------------------------------------------


def _name_keys(norm: Normalized) -> list[str]:
    """The keys that are the typed name itself (not what an error-prone abbreviation may mean)."""
    table = error_prone_abbreviations()
    if not any(k in table for k in _text_keys(norm)):
        return list(norm.keys)
    expansions = _expansion_keys()
    return [k for k in norm.keys if k not in expansions] or list(norm.keys[:1])


def _text_keys(norm: Normalized) -> list[str]:
    """The least-stripped keys: the name with forms, and the cleaned text."""
    keys = [k for k in (norm.keys[:1] if norm.keys else ()) if k]
    text_key = name_key(norm.text)
    if text_key and text_key not in keys:
        keys.append(text_key)
    return keys


def is_listed_not_medicine(norm: Normalized) -> bool:
    """The typed name is a word or phrase listed as typed in place of a medicine ("typhoid drug")."""
    listed = not_medicines()
    return any(key in listed for key in _text_keys(norm))


def is_not_medicine(norm: Normalized) -> bool:
    """Typed in place of a medicine: a listed word or phrase, or only such words and stop words."""
    words = _not_medicine_words()
    return is_listed_not_medicine(norm) or any(
        all(w in words for w in key.split()) for key in _text_keys(norm)
    )


def _candidate(drug: DrugInfo, score: float) -> Candidate:
    return {
        "id": drug["id"],
        "generic_name": drug["generic_name"],
        "display_name": drug["display_name"],
        "score": round(score, 4),
    }


def _none(note: str | None, candidates: list[Candidate] | None = None, score: float = 0.0) -> Resolution:
    return Resolution(
        match="none",
        score=round(score, 4),
        confirm=bool(candidates),
        drug=None,
        candidates=candidates or [],
        note=note,
    )


def _distinct_drugs(rows: Iterable[NameRow]) -> dict[int, NameRow]:
    """One row per drug, the best kind first."""
    best: dict[int, NameRow] = {}
    for row in sorted(rows, key=lambda r: _KIND_RANK.get(r.kind, len(KIND_ORDER))):
        best.setdefault(row.drug["id"], row)
    return best


# --- exact --------------------------------------------------------------------------------------------


def _error_prone(norm: Normalized, rows: Sequence[NameRow]) -> Resolution | None:
    table = error_prone_abbreviations()
    for key in _text_keys(norm):
        if key in table:
            meanings = {m.lower() for m in table[key]}
            offered = [r for r in rows if r.drug["generic_name"] in meanings or r.name == key]
            drugs = _distinct_drugs(offered).values()
            candidates = [_candidate(r.drug, 1.0) for r in drugs][:MAX_CANDIDATES]
            return Resolution(
                match="abbreviation",
                score=1.0,
                confirm=True,
                drug=None,
                candidates=candidates,
                note="error_prone_abbreviation",
            )
    return None


def resolve_exact(norm: Normalized, rows: Sequence[NameRow]) -> Resolution | None:
    """The exact-tier outcome, or None to go on to fuzzy matching."""
    if is_listed_not_medicine(norm):
        return _none("not_a_medicine")
    refused = _error_prone(norm, rows)
    if refused is not None:
        return refused
    found = _exact_hit(norm, rows)
    if found is None and is_not_medicine(norm):
        return _none("not_a_medicine")
    if found is None and any(key in known_medicines() for key in _name_keys(norm)):
        return _none("not_in_formulary")
    return found


def _exact_hit(norm: Normalized, rows: Sequence[NameRow]) -> Resolution | None:
    if norm.glued_number:  # "abc123" is not ABC (abacavir) 123
        rows = [r for r in rows if r.kind != "abbreviation"]
    for key in _name_keys(norm):
        hits = _distinct_drugs(r for r in rows if r.name == key)
        if not hits:
            continue
        ordered = sorted(hits.values(), key=lambda r: (_KIND_RANK.get(r.kind, 9), r.drug["generic_name"]))
        if len(ordered) > 1:
            return Resolution(
                match=ordered[0].kind,
                score=1.0,
                confirm=True,
                drug=None,
                candidates=[_candidate(r.drug, 1.0) for r in ordered][:MAX_CANDIDATES],
                note="ambiguous",
            )
        return Resolution(match=ordered[0].kind, score=1.0, confirm=False, drug=ordered[0].drug)
    return None


# --- fuzzy --------------------------------------------------------------------------------------------


def fuzzy_query_keys(norm: Normalized) -> list[str]:
    """The keys sent to fuzzy retrieval: the typed name without form words, least stripped first."""
    forms = _form_keys()
    own = _name_keys(norm)
    keys = [k for k in own if not any(w in forms for w in k.split())] or own
    if len(keys) > MAX_FUZZY_KEYS:
        keys = keys[:1] + keys[-(MAX_FUZZY_KEYS - 1) :]
    return keys


def accept_threshold(query: str) -> float:
    """The lowest fuzzy score accepted for a query: short names need near-exact matches."""
    length = len(query.replace(" ", ""))
    if length <= 4:
        return 1.01  # never accept a fuzzy match of a 1-4 letter name
    if length <= 6:
        return 0.93
    if length <= 8:
        return 0.9
    return ACCEPT_MIN


def max_edits(query: str, kind: str) -> int:
    """The most edits a typo may hold: brands (often English-like words) one, generic names two or three."""
    length = len(query.replace(" ", ""))
    if kind == "brand" or length <= 6:
        return 1
    return 2 if length <= 10 else 3


def _within(a: str, b: str, limit: int) -> bool:
    """At most ``limit`` edits apart, a swap of two neighbouring letters ("flagly") counting as one."""
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def _typo_like(query: str, row: NameRow) -> bool:
    """A few edits apart, as a slip of the keyboard or the ear would make: spaces, word order and
    salt/ester words ("tenofovir [disoproxil]") aside."""
    limit = max_edits(query, row.kind)
    if _within(query.replace(" ", ""), row.name.replace(" ", ""), limit):
        return True
    q_words, n_words = query.split(), row.name.split()
    if len(q_words) < 2:
        return False
    salts = _salt_keys()
    q_core = "".join(sorted(w for w in q_words if w not in salts))
    n_core = "".join(sorted(w for w in n_words if w not in salts))
    return _within(q_core, n_core, limit)


def _names_another_medicine(query: str, row: NameRow, candidates: Sequence[NameRow]) -> bool:
    """A word of the query is, as typed, the whole name of another medicine that the matched name does
    not hold: "ampicillin flucloxacillin" is not a typo of "ampicillin cloxacillin"."""
    typed = query.split()
    if len(typed) < 2:
        return False
    own = set(row.name.split())
    # a word the matched name writes joined to its neighbour ("ethinyl estradiol" in
    # "levonorgestrel ethinylestradiol") is part of that name, not another medicine's name
    joined = {w for a, b in pairwise(typed) if a + b in own for w in (a, b)}
    words = set(typed) - joined
    parts = {name_key(c) for c in row.drug.get("components") or ()}
    return any(
        c.name in words
        and c.name not in own
        and len(c.name) >= 4
        and c.drug["id"] != row.drug["id"]
        and name_key(c.drug["generic_name"]) not in parts
        for c in candidates
    )


_PART_JOINERS = frozenset({"+", "/", "&", "and", "with", "plus"})
_TEXT_TOKEN = re.compile(r"[a-z0-9.]+|[/+&]")


def _typed_as_combination(norm: Normalized) -> bool:
    """The name was typed as parts joined by "+", "/", "&", "and", "with" or "plus" ("chloroquine + sp",
    "lopinavir/r"); numbers on either side ("80/480") are a strength, not parts."""
    tokens = _TEXT_TOKEN.findall(norm.text)
    return any(
        tokens[i] in _PART_JOINERS and tokens[i - 1].isalpha() and tokens[i + 1].isalpha()
        for i in range(1, len(tokens) - 1)
    )


TRUNCATION_MIN = 5  # letters a typed name needs before it can read as another name cut short


def _cuts_short_another_name(query: str, row: NameRow, candidates: Sequence[NameRow]) -> bool:
    """The query is the start of another medicine's name, stocked or not: "Norflox" is norfloxacin cut
    short (as brands often are), not a typo of "Norflex" (orphenadrine)."""
    if " " in query or len(query) < TRUNCATION_MIN:
        return False
    own = {w for name in _stocked_as(row, candidates) for w in name.split()}
    others = (c.name for c in candidates if c.drug["id"] != row.drug["id"])
    firsts = (name.split()[0] for name in others)
    return any(
        first.startswith(query) and len(first) > len(query) and first not in own
        for first in (*firsts, *_known_extending(query))
    )


def _other_line_letter(query: str, row: NameRow) -> bool:
    """The names differ only in a word of one or two letters: another product line ("Candid-B",
    clotrimazole + beclometasone, is not "Candid V"; "vitamin b" is not "vitamin c"), never a typo."""
    q_words, n_words = query.split(), row.name.split()
    if len(q_words) != len(n_words) or len(q_words) < 2:
        return False
    differ = [(q, n) for q, n in zip(q_words, n_words, strict=True) if q != n]
    return len(differ) == 1 and min(len(differ[0][0]), len(differ[0][1])) <= 2


def _adds_a_word(query: str, row: NameRow) -> bool:
    """The query is the whole name plus a word of its own: "Claritin-D" (loratadine + pseudoephedrine) is
    not "Claritin"; strength, form and modifier words were already split off by normalisation."""
    q_words, n_words = set(query.split()) - _STOP_WORDS, set(row.name.split())
    return n_words < q_words


def _short_of_a_combination(query: str, row: NameRow) -> bool:
    """The query is a combination's name with its last word(s) left off: "Betnovate" is not "Betnovate-N"
    (betamethasone + neomycin), "Benylin" is not "Benylin with Codeine"."""
    if not row.drug.get("components"):
        return False
    q_words, n_words = query.split(), row.name.split()
    if len(n_words) <= len(q_words):
        return False
    head = "".join(n_words[: len(q_words)])
    return _within(query.replace(" ", ""), head, max_edits(query, row.kind))


def _score_rows(keys: Sequence[str], candidates: Sequence[NameRow]) -> list[tuple[float, str, NameRow]]:
    """Each drug's best (score, query key, row), best first."""
    best: dict[int, tuple[float, str, NameRow]] = {}
    for row in candidates:
        for key in keys:
            score = name_similarity(key, row.name)
            current = best.get(row.drug["id"])
            if (
                current is None
                or score > current[0]
                or (score == current[0] and _KIND_RANK.get(row.kind, 9) < _KIND_RANK.get(current[2].kind, 9))
            ):
                best[row.drug["id"]] = (score, key, row)
    return sorted(best.values(), key=lambda t: (-t[0], t[2].drug["generic_name"]))


def _closest_not_medicine(keys: Sequence[str]) -> float:
    from rapidfuzz import fuzz, process

    terms = _not_medicine_list()
    best = 0.0
    for key in keys:
        for term, _, _ in process.extract(key, terms, scorer=fuzz.ratio, limit=3, score_cutoff=60):
            best = max(best, name_similarity(key, term))
    return best


def _slips(query: str, name: str) -> int:
    """Edits between a query and a name, spaces and word order aside (salt words count: ferrous sulfate
    and ferrous fumarate are two medicines)."""
    raw = int(OSA.distance(query.replace(" ", ""), name.replace(" ", "")))
    if " " not in query:
        return raw
    return min(raw, int(OSA.distance("".join(sorted(query.split())), "".join(sorted(name.split())))))


def _as_few_edits_from_another(
    query: str, row: NameRow, score: float, others: Sequence[tuple[float, str, NameRow]]
) -> bool:
    """Another medicine is as few slips from the typed name as the best match: "ibruprofen" is one letter
    from "ibuprofen" and one from a "bruprofen".  The scores may still differ (they favour a shared
    start), but when they are this close which one was meant is not for a score to decide: no pick,
    both offered.  The larger
    the formulary, the likelier such a neighbour."""
    best = _slips(query, row.name)
    return any(
        other.drug["id"] != row.drug["id"]
        and other_score >= score - SLIP_TIE_MARGIN
        and _slips(query, other.name) <= best
        for other_score, _, other in others
    )


def _closest(keys: Sequence[str], names: Iterable[str], skip: Iterable[str] = ()) -> float:
    """The best similarity of a query key to one of ``names`` (those in ``skip`` aside)."""
    from rapidfuzz import fuzz, process

    skipped = set(skip)
    pool = [n for n in names if n not in skipped]
    best = 0.0
    for key in keys:
        for term, _, _ in process.extract(key, pool, scorer=fuzz.ratio, limit=3, score_cutoff=60):
            best = max(best, name_similarity(key, term))
    return best


def _stocked_as(row: NameRow, candidates: Sequence[NameRow]) -> set[str]:
    """The names the matched medicine itself goes by among the candidates."""
    return {c.name for c in candidates if c.drug["id"] == row.drug["id"]}


def _lasa(best: str, others: Iterable[str]) -> bool:
    pairs = lasa_pairs()
    return any(frozenset((best, other)) in pairs for other in others if other != best)


def resolve_fuzzy(norm: Normalized, candidates: Sequence[NameRow]) -> Resolution:
    """The fuzzy-tier outcome: a drug (maybe to confirm) or none with the candidates to pick from."""
    if not norm.keys:
        return _none("empty")
    if is_not_medicine(norm):
        return _none("not_a_medicine")
    keys = fuzzy_query_keys(norm)
    ranked = _score_rows(keys, candidates)
    offered = [_candidate(row.drug, score) for score, _, row in ranked[:MAX_CANDIDATES]]
    if not ranked:
        return _none(None)
    score, key, row = ranked[0]
    if (
        score < accept_threshold(key)
        or not _typo_like(key, row)
        or _short_of_a_combination(key, row)
        or _adds_a_word(key, row)
        or _other_line_letter(key, row)
        or _cuts_short_another_name(key, row, candidates)
        or _names_another_medicine(key, row, candidates)
        or (_typed_as_combination(norm) and not row.drug.get("components"))
    ):
        return _none(None, offered, score)
    if _closest_not_medicine(keys) >= score - NOT_MEDICINE_MARGIN:
        return _none("not_a_medicine", [], score)
    stocked = {c.name for c in candidates}
    if _closest(keys, _known_medicine_list(), stocked) >= score:
        return _none("not_in_formulary", offered, score)
    if (
        _closest(keys, lasa_partner_names().get(row.drug["generic_name"], ()), _stocked_as(row, candidates))
        >= score
    ):
        return _none("look_alike_sound_alike", offered, score)
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if runner_up >= score - TIE_MARGIN or _as_few_edits_from_another(key, row, score, ranked[1:]):
        return Resolution(
            match="fuzzy", score=score, confirm=True, drug=None, candidates=offered, note="ambiguous"
        )
    lasa = _lasa(row.drug["generic_name"], (r.drug["generic_name"] for s, _, r in ranked if s >= LASA_FLOOR))
    confirm = score < CONFIRM_BELOW or runner_up >= score - RUNNER_UP_MARGIN or lasa
    return Resolution(
        match="fuzzy",
        score=score,
        confirm=confirm,
        drug=row.drug,
        candidates=offered,
        note="look_alike_sound_alike" if lasa else None,
    )
