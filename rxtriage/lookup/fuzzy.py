"""Fuzzy retrieval and scoring of names-index keys.

Two halves, kept apart on purpose:

- :func:`name_similarity` scores one query key against one name key (0..1).  It is what the matching
  policy (``resolve.resolve_fuzzy``) ranks with, so the ranking is the same whichever retrieval
  produced the candidates (rapidfuzz here, a trigram ``%`` query on PostgreSQL).
- :class:`NameIndex` retrieves candidates in process (SQLite): edit-distance neighbours of the whole
  key, names sharing its phonetic skeleton ("paracetomol" ~ "paracetamol", "amoxcilin" ~
  "amoxicillin"), and names holding a word close to one of its words.

The phonetic skeleton works on ``name_key`` output (ph/f, th/t, y/i already folded): c/k/q/x/z are
folded by sound, a final "e" dropped, vowels after the first letter dropped and doubled letters
collapsed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from rxtriage.lookup.types import NameRow

__all__ = [
    "LENGTH_SLACK",
    "PHONETIC_BONUS",
    "NameIndex",
    "name_similarity",
    "phonetic_key",
    "trigram_threshold",
]

_SOUND_RULES: tuple[tuple[str, str], ...] = (
    (r"ck", "k"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"q", "k"),
    (r"x", "ks"),
    (r"z", "s"),
    (r"gh", "g"),
    (r"(?<=[^aeiou])h", ""),
    (r"e$", ""),
)
PHONETIC_BONUS = 0.04  # same sound skeleton: a small lift, never a match on its own
LENGTH_SLACK = 0.2  # length differences up to this share of the longer key cost nothing
_COMPILED = tuple((re.compile(p), r) for p, r in _SOUND_RULES)
_VOWELS = re.compile(r"(?<=.)[aeiou]")
_DOUBLES = re.compile(r"(.)\1+")


def _word_skeleton(word: str) -> str:
    if word.isdigit():
        return word
    for pattern, repl in _COMPILED:
        word = pattern.sub(repl, word)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", _DOUBLES.sub(r"\1", word)))


@lru_cache(maxsize=65536)
def phonetic_key(key: str) -> str:
    """The sound skeleton of a name key: "paracetamol" and "paracetomol" both give "prstml"."""
    return " ".join(_word_skeleton(w) for w in key.split())


@lru_cache(maxsize=65536)
def name_similarity(query: str, name: str) -> float:
    """How alike a query key and a name key are (0..1): edit ratio, Jaro-Winkler, word order, sound."""
    if not query or not name:
        return 0.0
    if query == name:
        return 1.0
    ratio = fuzz.ratio(query, name) / 100.0
    score = 0.5 * ratio + 0.5 * JaroWinkler.normalized_similarity(query, name)
    if " " in query or " " in name:
        score = max(score, fuzz.token_sort_ratio(query, name) / 100.0 - 0.02)
    # Jaro-Winkler forgives a missing tail ("paracetamol extr" ~ "paracetamol"): lengths must agree
    longer = max(len(query), len(name))
    score -= 0.5 * max(0.0, abs(len(query) - len(name)) / longer - LENGTH_SLACK)
    p_query, p_name = phonetic_key(query), phonetic_key(name)
    if p_query == p_name and len(p_query.replace(" ", "")) >= 4:
        score += PHONETIC_BONUS
    return round(max(0.0, min(score, 0.999)), 4)


SLIP_MARGIN = 0.05  # below the one-slip bound, so a slip near a word boundary is still found
SLIP_CEILING = 0.6  # never ask more than this of a long name


def trigram_threshold(key: str, *, floor: float) -> float:
    """The pg_trgm similarity a name must reach to be a fuzzy candidate for ``key``.

    A name of n letters has n + 1 trigrams (pg_trgm pads each word); one slip (a dropped, added, wrong or
    swapped letter) changes at most 4 of them, so the typed key keeps a similarity of at least
    (n - 3) / (n + 5) to the name it means.  Short keys use ``floor`` (``DRUG_TRIGRAM_THRESHOLD``); long
    ones the one-slip bound less a margin: at 100,000 medicines a long key built on a common stem shares
    trigrams with thousands of names, and the bound keeps the index's candidates and their recheck few
    (bench/README.md, "Fuzzy tier").  Accepting a match is still the matching policy's call.
    """
    n = len(key)
    bound = (n - 3) / (n + 5) - SLIP_MARGIN if n else 0.0
    return round(max(floor, min(SLIP_CEILING, bound)), 3)


class NameIndex:
    """Every name of the formulary, searchable by edit distance, sound and word."""

    def __init__(self, rows: Sequence[NameRow]) -> None:
        by_name: dict[str, list[NameRow]] = defaultdict(list)
        for row in rows:
            by_name[row.name].append(row)
        self.rows_by_name = dict(by_name)
        self.names = list(self.rows_by_name)
        self.phonetic = [phonetic_key(name) for name in self.names]
        by_sound: dict[str, list[int]] = defaultdict(list)
        words: dict[str, list[int]] = defaultdict(list)
        for i, (name, sound) in enumerate(zip(self.names, self.phonetic, strict=True)):
            by_sound[sound].append(i)
            for word in set(name.split()):
                if len(word) >= 4 and not word.isdigit():
                    words[word].append(i)
        self.by_sound = dict(by_sound)
        self.words = list(words)
        self.word_names = [words[w] for w in self.words]

    def _neighbours(self, key: str, limit: int) -> set[int]:
        found: set[int] = set(self.by_sound.get(phonetic_key(key), ()))
        for _, _, i in process.extract(key, self.names, scorer=fuzz.ratio, limit=limit, score_cutoff=50):
            found.add(i)
        sound = phonetic_key(key)
        for _, _, i in process.extract(sound, self.phonetic, scorer=fuzz.ratio, limit=8, score_cutoff=75):
            found.add(i)
        return found

    def _word_neighbours(self, key: str) -> set[int]:
        found: set[int] = set()
        parts = [w for w in key.split() if len(w) >= 4 and not w.isdigit()]
        if len(parts) < 2 and key.count(" ") == 0:
            return found
        for word in parts[:4]:
            for _, _, j in process.extract(word, self.words, scorer=fuzz.ratio, limit=4, score_cutoff=80):
                found.update(self.word_names[j])
        return found

    def search(self, key: str, limit: int = 25) -> list[NameRow]:
        """The names most like ``key``, best first (at most ``limit`` names; every drug of a name)."""
        if not key or not self.names:
            return []
        found = self._neighbours(key, limit) | self._word_neighbours(key)
        ranked = sorted(found, key=lambda i: (-name_similarity(key, self.names[i]), self.names[i]))
        return [row for i in ranked[:limit] for row in self.rows_by_name[self.names[i]]]
