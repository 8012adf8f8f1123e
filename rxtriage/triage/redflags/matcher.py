"""Phrases over base-form tokens, all compiled into one index and matched in one pass.

A phrase (``red_flags.yaml``) is a line of items separated by spaces, each in base form:

=============  ===========================================================================================
``chest``      a word: any of its inflections ("chests"); the word ``=fainted`` is taken as it is
``a|b``        one of several words (or classes)
``@pain``      a word class of the ``words`` section (its entries may be several words: "not able to")
``item?``      an optional item
``~3``         up to 3 tokens of anything but punctuation and the gap-blocking words ("no", "but"...)
``!a|@x``      the next token is none of these (zero-width; up to two light words such as "the", "of"
               are looked past): "blood !pressure|sugar"
``<!a|b``      (first item only) the token before is none of these: "<!heat|sun stroke"
``#num``       any number (inside a word set: "#num|one|two week"); ``#many``: a number of ten or more
=============  ===========================================================================================

``{near: [A, B], gap: N}`` stands for both orders "A ~N B" and "B ~N A" (body part x finding).

Matching: every phrase is entered in one index under each base form it can start with, so each token of
the text costs one dictionary probe whatever the number of phrases; a phrase is then checked forward
from that token, bounded by its own length and gaps.  The whole scan is linear in the text's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from rxtriage.triage.redflags.words import Token, inflections

__all__ = ["Automaton", "Phrase", "compile_phrase", "expand_entry"]

NUMBER = "#num"
MANY = "#many"  # a number of ten or more ("took 15 Panadol")
Alternative = tuple[frozenset[str], ...]  # a sequence of tokens, each one of a set of base forms


@dataclass(frozen=True)
class Step:
    kind: str  # word | gap | not_next
    singles: frozenset[str] = frozenset()  # one-token alternatives
    multis: tuple[Alternative, ...] = ()  # several-token alternatives
    optional: bool = False
    size: int = 0  # gap: the most tokens skipped
    numeric: bool = False  # "#num": any number also matches
    many: bool = False  # "#many": a number of ten or more also matches

    def has(self, base: str) -> bool:
        if base in self.singles:
            return True
        if base[:1].isdigit():
            return self.numeric or (self.many and len(base) >= 2 and base[0] != "0")
        return False

    @property
    def first(self) -> frozenset[str]:
        return self.singles.union(*(alt[0] for alt in self.multis))

    @cached_property
    def by_first(self) -> dict[str, tuple[Alternative, ...]]:
        """The several-token alternatives by the base forms they start with, longest first."""
        table: dict[str, list[Alternative]] = {}
        for alt in sorted(self.multis, key=len, reverse=True):
            for base in alt[0]:
                table.setdefault(base, []).append(alt)
        return {base: tuple(alts) for base, alts in table.items()}

    def lengths(self, tokens: Sequence[Token], at: int) -> Iterator[int]:
        """How many tokens each matching alternative covers at ``at`` (longest first)."""
        if at >= len(tokens):
            return
        base = tokens[at].base
        for alt in self.by_first.get(base, ()):
            end = at + len(alt)
            if end <= len(tokens) and all(tokens[at + k].base in alt[k] for k in range(1, len(alt))):
                yield len(alt)
        if self.has(base):
            yield 1


@dataclass(frozen=True)
class Phrase:
    """One compiled phrase of a flag or concept."""

    code: str
    source: str
    steps: tuple[Step, ...]
    status: str = "affirmed"
    before_not: frozenset[str] = frozenset()

    @cached_property
    def required(self) -> tuple[tuple[frozenset[str], bool], ...]:
        """For each required word step: the base forms one of which the text must hold (and "#num")."""
        return tuple(
            (s.first, s.numeric or s.many) for s in self.steps if s.kind == "word" and not s.optional
        )

    def possible(self, present: frozenset[str], number: bool) -> bool:
        """Whether every required step has a base form in the text (a necessary condition)."""
        return all((numeric and number) or not bases.isdisjoint(present) for bases, numeric in self.required)


def _word_set(
    item: str, classes: Mapping[str, tuple[Alternative, ...]]
) -> tuple[set[str], list[Alternative]]:
    """The one-token and several-token alternatives of ``a|b|@class`` ("#num" stays a marker)."""
    singles: set[str] = set()
    multis: list[Alternative] = []
    for part in item.split("|"):
        if part.startswith("@"):
            if part[1:] not in classes:
                raise ValueError(f"unknown word class {part!r}")
            for alt in classes[part[1:]]:
                if len(alt) == 1:
                    singles |= alt[0]
                else:
                    multis.append(alt)
        elif part in (NUMBER, MANY):
            singles.add(part)
        elif part:
            singles |= inflections(part)
    return singles, multis


def compile_alternative(entry: str) -> Alternative:
    """A word-class entry ("not able to") as a token sequence."""
    return tuple(frozenset(inflections(word)) for word in entry.split())


def compile_phrase(
    code: str, source: str, classes: Mapping[str, tuple[Alternative, ...]], status: str = "affirmed"
) -> Phrase:
    steps: list[Step] = []
    before_not: frozenset[str] = frozenset()
    for position, item in enumerate(source.split()):
        if item.startswith("<!"):
            if position:
                raise ValueError(f"{source!r}: '<!' only as the first item")
            singles, multis = _word_set(item[2:], classes)
            before_not = frozenset(singles)
        elif item.startswith("!"):
            singles, multis = _word_set(item[1:], classes)
            steps.append(
                Step("not_next", singles=frozenset(singles), numeric=NUMBER in singles, many=MANY in singles)
            )
        elif item.startswith("~"):
            steps.append(Step("gap", size=int(item[1:])))
        else:
            optional = item.endswith("?")
            singles, multis = _word_set(item.rstrip("?"), classes)
            steps.append(
                Step(
                    "word",
                    frozenset(singles),
                    tuple(multis),
                    optional,
                    numeric=NUMBER in singles,
                    many=MANY in singles,
                )
            )
    if not steps or steps[0].kind != "word" or steps[-1].kind == "gap":
        raise ValueError(f"{source!r}: a phrase starts with a word and does not end with a gap")
    return Phrase(code, source, tuple(steps), status, before_not)


def expand_entry(entry: str | Mapping[str, object]) -> list[tuple[str, str]]:
    """A data-file phrase entry as (source, status) pairs: a string, {pattern, status} or {near, gap}."""
    if isinstance(entry, str):
        return [(entry, "affirmed")]
    status = str(entry.get("status", "affirmed"))
    if "near" in entry:
        first, second = (str(side) for side in entry["near"])  # type: ignore[attr-defined]
        gap = int(entry.get("gap", 3))  # type: ignore[call-overload]
        return [(f"{first} ~{gap} {second}", status), (f"{second} ~{gap} {first}", status)]
    return [(str(entry["phrase"]), status)]


class Automaton:
    """Every phrase indexed by the base forms it can start with; ``scan`` finds all their matches."""

    def __init__(
        self, phrases: Iterable[Phrase], *, gap_blockers: Iterable[str], lookahead_skip: Iterable[str]
    ) -> None:
        self.phrases = tuple(phrases)
        self.blockers = frozenset(gap_blockers)
        self.skip = frozenset(lookahead_skip)
        index: dict[str, list[tuple[Phrase, int]]] = {}
        for phrase in self.phrases:
            for entry in self._entries(phrase):
                for base in phrase.steps[entry].first:
                    index.setdefault(NUMBER if base == MANY else base, []).append((phrase, entry))
        self.index = index

    @staticmethod
    def _entries(phrase: Phrase) -> list[int]:
        """The steps a match can start at: the first, and past every optional step before a required one."""
        entries = []
        for position, step in enumerate(phrase.steps):
            if step.kind != "word":
                break
            entries.append(position)
            if not step.optional:
                break
        return entries

    def scan(self, tokens: Sequence[Token]) -> Iterator[tuple[Phrase, int, int]]:
        """Each (phrase, first token, end token) match; at most one per phrase and starting token."""
        index = self.index
        present = frozenset(token.base for token in tokens)
        number = any(base[:1].isdigit() for base in present)
        possible: dict[int, bool] = {}  # per phrase: do the text's words allow a match at all?
        for at, token in enumerate(tokens):
            candidates = index.get(NUMBER if token.base[:1].isdigit() else token.base)
            if not candidates:
                continue
            seen: set[int] = set()
            for phrase, entry in candidates:
                key = id(phrase)
                if key in seen:
                    continue
                if key not in possible:
                    possible[key] = phrase.possible(present, number)
                if not possible[key]:
                    continue
                if phrase.before_not and at and tokens[at - 1].base in phrase.before_not:
                    continue
                end = self._match(phrase.steps, entry, tokens, at)
                if end is not None and end > at:
                    seen.add(key)
                    yield phrase, at, end

    def _match(self, steps: Sequence[Step], k: int, tokens: Sequence[Token], at: int) -> int | None:
        if k == len(steps):
            return at
        step = steps[k]
        if step.kind == "gap":
            for skip in range(step.size + 1):
                if skip:
                    previous = at + skip - 1
                    if (
                        previous >= len(tokens)
                        or tokens[previous].punct
                        or tokens[previous].base in self.blockers
                    ):
                        return None
                end = self._match(steps, k + 1, tokens, at + skip)
                if end is not None:
                    return end
            return None
        if step.kind == "not_next":
            for ahead in range(at, min(len(tokens), at + 3)):  # "drink the medicine", "temperature of 38"
                if step.has(tokens[ahead].base):
                    return None
                if tokens[ahead].base not in self.skip:
                    break
            return self._match(steps, k + 1, tokens, at)
        for length in step.lengths(tokens, at):
            end = self._match(steps, k + 1, tokens, at + length)
            if end is not None:
                return end
        return self._match(steps, k + 1, tokens, at) if step.optional else None
