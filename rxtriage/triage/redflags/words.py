"""Tokens of the canonical text and their base forms (``data/base_forms.yaml``).

A token's base form is what the phrases of ``red_flags.yaml`` are written in, so that every inflection of
a word matches the one entry: the Snowball English stemmer (Porter2, via ``snowballstemmer``, C-accelerated
by PyStemmer) after a small table of irregular forms and contractions ("threw" -> throw, "bled" -> bleed,
"can't" -> cannot, "don't" -> do not).  A base form written ``=word`` in the table is kept as it is
(``fainted`` is a loss of consciousness, ``feel faint`` is not).

Misspellings: a token that is not an English word (``data/english_near.txt``: the words of pyspellchecker's
English list within one edit of the vocabulary, written by ``python -m rxtriage.triage.redflags.english``),
nor already a known base form, is matched to the red-flag vocabulary within one edit (Damerau/OSA distance by
``rapidfuzz``): five letters or more, any one edit; four letters, a swap of two neighbours only ("pian"
-> pain).  Only the vocabulary of the phrases takes part, so "chose" never becomes "choke" and "chesty"
never becomes "chest".  The lookup is a deletion index (SymSpell's idea): a few dictionary probes per
unknown token, whatever the size of the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import snowballstemmer
from rapidfuzz.distance import OSA

__all__ = ["BaseForms", "Token", "inflections", "stem", "tokenize"]

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[.;:!?,()\"]")
PUNCTUATION = frozenset('.;:!?,()"')
KEEP = "="  # a base form written "=word" is not stemmed
MAX_LETTERS = 24  # longer tokens are not words a misspelling match could help with


class Token(NamedTuple):
    """One base word of the text: its base form and the canonical span of the token it comes from."""

    base: str
    start: int
    end: int
    punct: bool


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    stemmer = snowballstemmer.stemmer("english")
    if hasattr(stemmer, "maxCacheSize"):
        stemmer.maxCacheSize = 0  # PyStemmer keeps no words of the texts it stems
    return stemmer


def stem(word: str) -> str:
    """The Snowball base of one lower-case word; ``=word`` stays ``word``."""
    if word.startswith(KEEP):
        return word[1:]
    if not word.isalpha():
        return word
    result: str = _stemmer().stemWord(word)
    return result


def inflections(word: str) -> set[str]:
    """The stems of a base word's regular inflections (-s, -es, -ing, -ed, doubled consonant, -ies).

    Adjectives in -y are not inflections ("chesty" is not "chest"): the phrases list them."""
    if word.startswith(KEEP) or not word.isalpha():
        return {stem(word)}
    forms = {word, word + "s", word + "es", word + "ing", word + "ed"}
    if len(word) > 2:
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed"}
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word + "d"}
    if word.endswith("y"):
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    return {stem(form) for form in forms}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class BaseForms:
    """The irregular table, the vocabulary to match misspellings to, and the English words to leave be."""

    irregular: Mapping[str, tuple[str, ...]]
    vocabulary: frozenset[str]
    index: Mapping[str, tuple[str, ...]]  # deletion variant -> vocabulary stems
    english: frozenset[str]  # English words within one edit of the vocabulary (never read as misspellings)
    min_letters: int
    swap_letters: int

    @classmethod
    def build(
        cls,
        *,
        irregular: Mapping[str, str],
        vocabulary: Iterable[str],
        settings: Mapping[str, Any],
        english: Iterable[str] = (),
    ) -> BaseForms:
        table = {word: tuple(stem(w) for w in base.split()) for word, base in irregular.items()}
        vocab = frozenset(v for v in vocabulary if v.isalpha() and len(v) >= int(settings["swap_letters"]))
        index: dict[str, set[str]] = {}
        for word in vocab:
            for variant in _deletions(word) | {word}:
                index.setdefault(variant, set()).add(word)
        swap = int(settings["swap_letters"])
        return cls(
            irregular=table,
            vocabulary=vocab,
            index={k: tuple(sorted(v)) for k, v in index.items()},
            english=frozenset(english) | frozenset(settings.get("never_correct") or ()),
            min_letters=int(settings["fuzzy_min_letters"]),
            swap_letters=swap,
        )

    def correct(self, word: str, base: str) -> str | None:
        """The vocabulary stem within one edit of an unknown ``word`` (stem ``base``), if any."""
        if not self.swap_letters <= len(word) <= MAX_LETTERS or not word.isalpha() or word in self.english:
            return None
        candidates = set(self.index.get(base, ()))
        for variant in _deletions(base):
            candidates.update(self.index.get(variant, ()))
        for candidate in sorted(candidates):
            if OSA.distance(base, candidate) != 1:
                continue
            if len(word) >= self.min_letters or _swapped(base, candidate):
                return candidate
        return None

    def bases(self, word: str) -> tuple[str, ...]:
        """The base forms of one token (one, or several for a contraction such as "don't")."""
        if word in self.irregular:
            return self.irregular[word]
        if word.endswith("'s"):
            word = word[:-2]
        word = word.replace("'", "")
        base = stem(word)
        if base in self.vocabulary or len(word) < self.swap_letters:
            return (base,)
        # The word as typed first ("fanted" -> fainted, a form kept apart), then its stem.
        return (self.correct(word, word) or self.correct(word, base) or base,)


def _swapped(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with two neighbouring letters swapped."""
    return len(a) == len(b) and sorted(a) == sorted(b)


def tokenize(text: str, forms: BaseForms) -> list[Token]:
    """The base-form tokens of a canonical text (punctuation kept as tokens of its own)."""
    tokens: list[Token] = []
    seen: dict[str, tuple[str, ...]] = {}  # per text only: no word outlives the scan
    for match in TOKEN.finditer(text):
        word = match.group()
        bases = seen.get(word)
        if bases is None:
            bases = (word,) if word in PUNCTUATION else forms.bases(word)
            seen[word] = bases
        punct = word in PUNCTUATION
        for base in bases:
            tokens.append(Token(base, match.start(), match.end(), punct))
    return tokens
