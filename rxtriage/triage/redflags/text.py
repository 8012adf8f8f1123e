"""One canonical text for everything that reads symptoms, with a map back to the text as sent.

``canonical_text(text)`` gives a ``Canonical``: the text folded so that the way a patient's device types
it does not matter, and ``source_span`` to turn a span of the folded text into the span of the original
(audit spans always point into the text as sent).  The folding:

- Unicode NFKC (full-width and mathematical letters, ligatures, compatibility forms) and case folding;
- look-alike letters of other scripts folded to Latin (Cyrillic U+0441 -> "c") from the Unicode confusables
  table as shipped by ``confusable-homoglyphs``; other accented letters lose their marks ("fàint");
- every run of whitespace and line breaks (NBSP, ideographic space, zero-width space, tabs...) -> one
  space; soft hyphens and zero-width joiners (invisible inside a word) are dropped;
- curly quotes and primes -> ``'`` and ``"``; a run of the same punctuation mark ("!!!", "...") -> one.

ASCII text takes a fast path (lower-case, then only the special stretches are rewritten), so the cost
is linear in the text's length with a small constant.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Canonical", "canonical_text"]

# Characters invisible inside a word: dropped (soft hyphen, zero-width (non-)joiner, word joiner, BOM).
_DROPPED = frozenset("\u00ad\u200c\u200d\u2060\ufeff\u180e")
# Zero-width or other spaces that Python's str.isspace() does not know, read as a word break.
_EXTRA_SPACES = frozenset("\u200b")
_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ba": "\u00b0",
}  # fmt: skip
# The stretches that need more than lower-casing: non-ASCII, any whitespace but a single space,
# a repeated punctuation mark, a grave accent used as an apostrophe.
_SPECIAL = re.compile(r"[^\x00-\x7f]+|\s{2,}|[^\S ]|([!?.,;:\-])\1+|`")


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[str, str]:
    """Confusable character -> its Latin letter (Unicode TR39 confusables, via confusable-homoglyphs);
    loaded on the first non-ASCII text only."""
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[str, str] = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if latin:
            table[char] = latin[0].lower()
    return table


def _fold_char(char: str) -> str:
    """One non-ASCII character in canonical form ('' when it is dropped)."""
    if char in _DROPPED:
        return ""
    if char in _EXTRA_SPACES or char.isspace():
        return " "
    if char in _QUOTES:
        return _QUOTES[char]
    out = []
    for part in unicodedata.normalize("NFKC", char).casefold():
        if part.isascii():
            out.append(part)
            continue
        # a lower-case letter may only look Latin as a capital (Cyrillic small te is a Latin "T" as a capital)
        part = _latin_lookalikes().get(part) or _latin_lookalikes().get(part.upper(), part)
        stripped = "".join(c for c in unicodedata.normalize("NFD", part) if not unicodedata.combining(c))
        out.append(stripped if stripped.isascii() and stripped else part)
    return "".join(out)


def _rewrite(match: re.Match[str]) -> str:
    stretch = match.group(0)
    if match.group(1):
        return match.group(1)
    if stretch.isascii():
        return " " if stretch.isspace() else "'"
    return "".join(_fold_char(c) for c in stretch)


@dataclass(frozen=True)
class Canonical:
    """The canonical text and a piecewise map of its offsets to the original's."""

    raw: str
    text: str
    # Parallel lists: the canonical offset where a piece starts, the original offset it comes from, and
    # whether the piece is copied (offsets move together) or rewritten (the whole piece maps to one span).
    starts: tuple[int, ...]
    sources: tuple[int, ...]
    source_ends: tuple[int, ...]
    copied: tuple[bool, ...]

    def source_offset(self, offset: int, *, end: bool = False) -> int:
        """The original offset of canonical ``offset`` (a start, or with ``end`` an end offset)."""
        if not self.starts:
            return offset
        index = bisect_right(self.starts, offset - 1 if end and offset > 0 else offset) - 1
        if index < 0:
            return offset
        if self.copied[index]:
            return self.sources[index] + (offset - self.starts[index])
        return self.source_ends[index] if end else self.sources[index]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the canonical span ``[start, end)``."""
        if not self.starts:
            return start, end
        return self.source_offset(start), max(self.source_offset(end, end=True), self.source_offset(start))


def canonical_text(text: str) -> Canonical:
    """``text`` folded as the module docstring says, with its offset map."""
    low = text.lower() if text.isascii() else text
    pieces: list[str] = []
    starts: list[int] = []
    sources: list[int] = []
    source_ends: list[int] = []
    copied: list[bool] = []
    done = position = 0
    for match in _SPECIAL.finditer(low):
        if match.start() > done:
            starts.append(position)
            sources.append(done)
            source_ends.append(match.start())
            copied.append(True)
            piece = low[done : match.start()].lower()  # ASCII: lower() keeps every offset
            pieces.append(piece)
            position += len(piece)
        folded = _rewrite(match)
        starts.append(position)
        sources.append(match.start())
        source_ends.append(match.end())
        copied.append(False)
        pieces.append(folded)
        position += len(folded)
        done = match.end()
    if not starts:
        return Canonical(text, low, (), (), (), ())
    if done < len(low):
        starts.append(position)
        sources.append(done)
        source_ends.append(len(low))
        copied.append(True)
        pieces.append(low[done:].lower())
    joined = "".join(pieces)
    # Folding can put two spaces side by side ("a \u00a0b" -> "a  b"): fold them once more.
    if "  " in joined:
        return _collapse_spaces(text, joined, starts, sources, source_ends, copied)
    return Canonical(text, joined, tuple(starts), tuple(sources), tuple(source_ends), tuple(copied))


def _collapse_spaces(
    raw: str, joined: str, starts: list[int], sources: list[int], ends: list[int], copied: list[bool]
) -> Canonical:
    """Rare path: spaces that met after folding become one, through a per-character map."""
    first = Canonical(raw, joined, tuple(starts), tuple(sources), tuple(ends), tuple(copied))
    out: list[str] = []
    origin: list[int] = []
    origin_end: list[int] = []
    for index, char in enumerate(joined):
        if char == " " and out and out[-1] == " ":
            origin_end[-1] = first.source_offset(index + 1, end=True)
            continue
        out.append(char)
        origin.append(first.source_offset(index))
        origin_end.append(first.source_offset(index + 1, end=True))
    n = len(out)
    return Canonical(raw, "".join(out), tuple(range(n)), tuple(origin), tuple(origin_end), (False,) * n)
