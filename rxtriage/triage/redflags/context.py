"""Negation and context of a mention (``data/negation.yaml``): NegEx (Chapman et al., J Biomed Inform 2001)
with ConText's hypothetical / historical / family categories (Harkema et al., J Biomed Inform 2009).

``status_of`` reads the cues around one mention, in its clause, on the canonical text.  The policy is
asymmetric (docs/clinical-basis.md): a negation suppresses a mention only when it is unambiguous (filler
words only between trigger and term, or a negated "X or Y" list), in the same clause (commas, "but",
"and" ... end its scope) and close (at most ``negation_gap_words`` words).  Words inside a matched phrase
are never read as cues ("I no fit breathe", "cannot stop bleeding").  Where cues overlap, the longest
wins ("no more" is a resolution, "not sure" is uncertainty, "no history of" is a negation).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Document", "Lexicon", "compile_pattern", "load_lexicon", "read_data", "status_of", "strings"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Cue categories: the order breaks ties between equally long overlapping cues, and (without "pseudo")
# gives the precedence of statuses when several cues apply to one mention.
CUE_ORDER = ("pseudo", "uncertain", "family", "hypothetical", "resolved", "history", "negated")
STATUS_PRECEDENCE = ("family", "hypothetical", "uncertain", "resolved", "history", "negated")
DE_ESCALATING = frozenset({"negated", "hypothetical", "family", "history", "resolved"})

_WORD = re.compile(r"[\w']+")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same safe subset


def read_data(name: str) -> dict[str, Any]:
    """One YAML file of ``rxtriage/triage/data``."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=_SAFE_LOADER)
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


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A data-file cue pattern as a compiled regex with word boundaries."""
    return re.compile(rf"(?<![\w'])(?:{_blanks(pattern)})(?!\w)")


_LITERAL = re.compile(r"[a-z0-9']+")


def _first_word(alternative: str) -> str | None:
    """The literal start of a pattern's first word ("won'?t" -> "won"), or None if it has none."""
    match = _LITERAL.match(alternative)
    if not match:
        return None
    word = match.group(0)
    if alternative[match.end() : match.end() + 1] in ("?", "*", "{"):
        word = word[:-1]
    return word or None


def required_prefixes(pattern: str) -> frozenset[str] | None:
    """Strings one of which a text must hold for ``pattern`` to match there: the literal start of its
    first word, or of each alternative of a leading ``(?:a|b)`` group; None when there is none."""
    if not pattern.startswith("(?:"):
        word = _first_word(pattern)
        return frozenset({word}) if word else None
    depth, end = 0, 0
    while end < len(pattern):
        depth += {"(": 1, ")": -1}.get(pattern[end], 0)
        if depth == 0:
            break
        end += 1
    if pattern[end + 1 : end + 2] in ("?", "*", "{"):
        return None
    words = [_first_word(alt) for alt in pattern[3:end].split("|")]
    if any(w is None or "(" in alt for w, alt in zip(words, pattern[3:end].split("|"), strict=True)):
        return None
    return frozenset(w for w in words if w)


@dataclass(frozen=True)
class CuePattern:
    """A compiled cue and the strings one of which must be in a window for it to be worth running."""

    pattern: re.Pattern[str]
    prefixes: frozenset[str] | None

    def finditer(self, text: str, window: str, start: int, end: int) -> Iterable[re.Match[str]]:
        if self.prefixes is not None and not any(p in window for p in self.prefixes):
            return ()
        return self.pattern.finditer(text, start, end)


@dataclass(frozen=True)
class Lexicon:
    broad: re.Pattern[str]  # terminators that end every cue's scope
    narrow: re.Pattern[str]  # ... plus those that end a de-escalating cue's scope
    fillers: frozenset[str]
    list_words: frozenset[str]
    negation_gap: int
    cue_gap: int
    recency: re.Pattern[str]
    continuation: re.Pattern[str]
    recurrence: re.Pattern[str]
    cues: Mapping[str, tuple[tuple[CuePattern, ...], tuple[CuePattern, ...]]] = field(default_factory=dict)


def _words_alternation(words: Sequence[str]) -> str:
    return "|".join(_blanks(w) for w in sorted(words, key=len, reverse=True))


def _cue(pattern: str) -> CuePattern:
    return CuePattern(compile_pattern(pattern), required_prefixes(pattern))


def _words_pattern(raw: Mapping[str, Any], key: str) -> re.Pattern[str]:
    """One pattern for a list of word patterns of negation.yaml (any of them, as whole words)."""
    words = strings(raw.get(key), key)
    return re.compile(r"(?<!\w)(?:" + "|".join(_blanks(w) for w in words) + r")(?!\w)")


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
            tuple(_cue(p) for p in strings(sides.get("pre"), f"{name}.pre")),
            tuple(_cue(p) for p in strings(sides.get("post"), f"{name}.post")),
        )
        for name, sides in raw["cues"].items()
    }
    recency = strings(raw.get("recency"), "recency")
    return Lexicon(
        broad=re.compile(broad),
        narrow=re.compile(narrow),
        fillers=frozenset(strings(raw["filler_words"], "filler_words")),
        list_words=frozenset(strings(raw["list_words"], "list_words")),
        negation_gap=int(raw["scope"]["negation_gap_words"]),
        cue_gap=int(raw["scope"]["cue_gap_words"]),
        recency=re.compile(r"(?<!\w)(?:" + "|".join(_blanks(w) for w in recency) + r")(?!\w)"),
        continuation=_words_pattern(raw, "continuation"),
        recurrence=_words_pattern(raw, "recurrence"),
        cues=cues,
    )


@dataclass(frozen=True)
class Cue:
    category: str
    side: str  # pre | post
    start: int
    end: int


class Document:
    """A canonical text with its clause boundaries (found once, and only when a mention needs them)."""

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.lexicon = lexicon
        self.statuses: dict[tuple[str, str, str, str], str] = {}  # same words around -> same status

    @cached_property
    def boundaries(self) -> tuple[list[int], list[int]]:
        """The starts and the ends of the terminators (both sorted: terminators do not overlap)."""
        spans = [m.span() for m in self.lexicon.broad.finditer(self.text)]
        return [s for s, _ in spans], [e for _, e in spans]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        starts, ends = self.boundaries
        before = bisect_right(ends, start) - 1
        after = bisect_left(starts, end)
        left = ends[before] if before >= 0 else 0
        right = starts[after] if after < len(starts) else len(self.text)
        return left, right


# Cues are looked for within this many characters of a mention: a cue applies only within a few words
# (``negation_gap_words``, ``cue_gap_words``), so a long clause never makes the search quadratic.
CUE_WINDOW_CHARS = 160


def _candidate_cues(doc: Document, start: int, end: int) -> list[Cue]:
    """Every cue match near the mention in its clause, before or after it, not overlapping it."""
    left, right = doc.clause(start, end)
    left, right = max(left, start - CUE_WINDOW_CHARS), min(right, end + CUE_WINDOW_CHARS)
    found = []
    before, after = doc.text[left:start], doc.text[end:right]
    for category in CUE_ORDER:
        pre, post = doc.lexicon.cues.get(category, ((), ()))
        if left < start:
            found += [
                Cue(category, "pre", *m.span())
                for p in pre
                for m in p.finditer(doc.text, before, left, start)
            ]
        if end < right:
            found += [
                Cue(category, "post", *m.span())
                for p in post
                for m in p.finditer(doc.text, after, end, right)
            ]
    return found


def _longest_first(cues: list[Cue]) -> list[Cue]:
    """Overlapping cues resolved: the longest wins, ties by ``CUE_ORDER``."""
    ranked = sorted(cues, key=lambda c: (-(c.end - c.start), CUE_ORDER.index(c.category), c.start))
    kept: list[Cue] = []
    for cue in ranked:
        if all(cue.end <= k.start or cue.start >= k.end for k in kept):
            kept.append(cue)
    return [c for c in kept if c.category != "pseudo"]


def _negation_holds(words: list[str], lexicon: Lexicon, side: str) -> bool:
    """Unambiguous and close: filler words only, or (before the term) a negated "X or Y" list."""
    if len(words) > lexicon.negation_gap:
        return False
    if all(w in lexicon.fillers for w in words):
        return True
    return side == "pre" and bool(words) and words[-1] in lexicon.list_words


def _cue_applies(doc: Document, cue: Cue, start: int, end: int) -> bool:
    gap = doc.text[cue.end : start] if cue.side == "pre" else doc.text[end : cue.start]
    words = _WORD.findall(gap)
    if cue.category in DE_ESCALATING and doc.lexicon.narrow.search(gap):
        return False
    if cue.category == "negated":
        return _negation_holds(words, doc.lexicon, cue.side)
    return len(words) <= doc.lexicon.cue_gap


def _recurs(doc: Document, end: int, left: int, right: int) -> bool:
    """A recurrence word after the mention and a recency word in its clause: it is back now."""
    lexicon = doc.lexicon
    return bool(
        lexicon.recurrence.search(doc.text, end, right) and lexicon.recency.search(doc.text, left, right)
    )


def status_of(doc: Document, start: int, end: int, default: str = "affirmed") -> str:
    """The status of the mention at canonical ``[start, end)`` from the cues around it.

    A family cue with a recency word in the same clause ("my mother had a stroke this morning") is an
    emergency happening now to someone, and a hypothetical cue with a continuation after the mention
    ("if my chest pain gets worse") is about a sign already there: both uncertain, so they escalate.
    A mention with the same words around it as an earlier one of the same text gets the same status
    without a second search."""
    left, right = doc.clause(start, end)
    key = (
        doc.text[max(left, start - CUE_WINDOW_CHARS) : start],
        doc.text[start:end],
        doc.text[end : min(right, end + CUE_WINDOW_CHARS)],
        default,
    )
    if key not in doc.statuses:
        doc.statuses[key] = _status(doc, start, end, default)
    return doc.statuses[key]


def _status(doc: Document, start: int, end: int, default: str) -> str:
    cues = _longest_first(_candidate_cues(doc, start, end))
    applying = {c.category for c in cues if _cue_applies(doc, c, start, end)}
    status = next((s for s in STATUS_PRECEDENCE if s in applying), default)
    left, right = doc.clause(start, end)
    if status == "hypothetical" and doc.lexicon.continuation.search(doc.text, end, right):
        return "uncertain"  # "if my chest pain gets worse": the sign is there already
    if status == "history" and _recurs(doc, end, left, right):
        return "uncertain"  # "a seizure as a child and another one today"
    if status == "family" and doc.lexicon.recency.search(doc.text, left, right):
        return "uncertain"
    return status
