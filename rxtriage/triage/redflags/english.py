"""Writes ``data/english_near.txt``: the English words that a misspelling match must leave alone.

A token is matched to the red-flag vocabulary within one edit only when it is not an English word
("chose" is not a misspelt "choke").  Only the English words within one edit of the vocabulary can ever
be mistaken, so only they are shipped: a short list read in milliseconds instead of a whole dictionary.
They come from pyspellchecker's English word list (a test dependency); the test suite checks that the
shipped file matches the vocabulary of ``red_flags.yaml``.  After changing the phrases, run::

    python -m rxtriage.triage.redflags.english
"""

from __future__ import annotations

import dataclasses
import sys

from rxtriage.triage.redflags import ENGLISH_NEAR, load_red_flag_rules
from rxtriage.triage.redflags.context import DATA_DIR
from rxtriage.triage.redflags.words import MAX_LETTERS, stem

__all__ = ["english_near_words", "main"]

HEADER = (
    "# English words within one edit of the red-flag vocabulary: never read as misspellings.\n"
    "# Source: pyspellchecker's English word list (MIT).\n"
    "# Written by python -m rxtriage.triage.redflags.english\n"
)


def english_near_words() -> list[str]:
    """The words of pyspellchecker's English list that the misspelling match would otherwise change."""
    from spellchecker import SpellChecker

    forms = dataclasses.replace(load_red_flag_rules().forms, english=frozenset())
    words = SpellChecker(language="en", distance=1).word_frequency.dictionary
    near = []
    for word in words:
        if not (word.isalpha() and forms.swap_letters <= len(word) <= MAX_LETTERS):
            continue
        base = stem(word)
        if base not in forms.vocabulary and (forms.correct(word, word) or forms.correct(word, base)):
            near.append(word)
    return sorted(near)


def main() -> int:
    path = DATA_DIR / ENGLISH_NEAR
    words = english_near_words()
    path.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
