"""The names-index key: one canonical spelling for a medicine name.

``name_key`` is applied to every name when the formulary is loaded and to every
candidate derived from user input at lookup time, so both sides meet on the
same string.  It is pure, total and idempotent.

Spelling shifts between British, US and old names (ph/f, y/i, th/t, ae/e,
oe/e) are folded by rule rather than listed, as docs/clinical-basis.md section 3.1 advises:
"amoxycillin", "sulphamethoxazole" and "oestradiol" meet "amoxicillin",
"sulfamethoxazole" and "estradiol".
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["KIND_ORDER", "clean_text", "fold_spelling", "kind_rank", "name_key"]

# The kinds of a names-index row, most specific first (``NameKind``'s order): an exact match of an
# earlier kind wins, and autocomplete ranks by it.
KIND_ORDER: tuple[str, ...] = ("generic", "brand", "synonym", "co_name", "abbreviation")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}

# Order matters: longer patterns first.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("ph", "f"),
    ("th", "t"),
    ("ae", "e"),
    ("oe", "e"),
    ("y", "i"),
)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Lowercase, strip accents, and turn every run of punctuation into one space."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("µ", "u").replace("μ", "u")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold_spelling(word: str) -> str:
    """Fold the regular British/US/old spelling shifts of one word (repeated to a fixed point, so the
    result folds to itself: "aae" -> "ae" -> "e")."""
    while True:
        folded = word
        for old, new in _SPELLING_RULES:
            folded = folded.replace(old, new)
        if folded == word:
            return word
        word = folded


def name_key(text: str) -> str:
    """The names-index key of a medicine name: cleaned, spelling-folded words."""
    return " ".join(fold_spelling(word) for word in clean_text(text).split(" ") if word)


def kind_rank(kind: str) -> int:
    """The rank of a name kind in :data:`KIND_ORDER` (an unknown kind ranks last)."""
    return _KIND_RANK.get(kind, len(KIND_ORDER))
