"""Offline evaluation of name matching, without a database.

:class:`InMemoryResolver` runs the lookup engine's own matching pipeline
(``rxtriage.lookup.pipeline.resolve_pending``) over the shipped formulary's names held in memory
(``MemoryNames``) instead of the database: no cache, no database, same answers.
:func:`evaluate` runs a resolver over labelled cases (``{input, expect, category}``; ``expect`` is a
generic name or null) and reports accuracy per category.

``python -m bench.evaluate [CASES.yaml] [--failures]`` prints the table.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from rxtriage.formulary.datafile import DrugRecord, read_records, record_names
from rxtriage.lookup.normalize import normalize
from rxtriage.lookup.pipeline import MemoryNames, resolve_pending
from rxtriage.lookup.types import DrugInfo, NameRow, Resolution

__all__ = [
    "CASES_FILE",
    "Case",
    "EvalReport",
    "InMemoryResolver",
    "Outcome",
    "Resolver",
    "drug_info_from_record",
    "evaluate",
    "load_cases",
]

CASES_FILE = Path(__file__).resolve().parents[1] / "tests" / "lookup" / "data" / "labelled_names.yaml"


class Resolver(Protocol):
    def resolve(self, text: str) -> Resolution: ...


@dataclass(frozen=True)
class Case:
    input: str
    expect: str | None
    category: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str | None
    match: str
    score: float
    confirm: bool
    note: str | None

    @property
    def correct(self) -> bool:
        return self.got == self.case.expect


@dataclass
class EvalReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def correct(self) -> int:
        return sum(o.correct for o in self.outcomes)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def by_category(self) -> dict[str, tuple[int, int]]:
        """category -> (correct, total)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            counts[o.case.category][0] += o.correct
            counts[o.case.category][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(counts.items())}

    def category_accuracy(self, category: str) -> float:
        correct, total = self.by_category().get(category, (0, 0))
        return correct / total if total else 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    @property
    def non_medicines_resolved(self) -> list[Outcome]:
        """Cases expecting nothing that resolved to a drug: the worst error."""
        return [o for o in self.outcomes if o.case.expect is None and o.got is not None]

    @property
    def wrong_drug(self) -> list[Outcome]:
        """Cases resolved to a drug other than the expected one."""
        return [o for o in self.outcomes if o.got is not None and o.got != o.case.expect]

    def table(self) -> str:
        lines = [f"{'category':<16}{'right':>7}{'total':>7}{'accuracy':>10}"]
        for category, (right, total) in self.by_category().items():
            lines.append(f"{category:<16}{right:>7}{total:>7}{right / total:>10.1%}")
        lines.append(f"{'overall':<16}{self.correct:>7}{self.total:>7}{self.accuracy:>10.1%}")
        lines.append(
            f"wrong drug: {len(self.wrong_drug)}; "
            f"non-medicines resolved: {len(self.non_medicines_resolved)}; "
            f"{1000 * self.seconds / max(self.total, 1):.2f} ms a name"
        )
        return "\n".join(lines)


def drug_info_from_record(record: DrugRecord, drug_id: int) -> DrugInfo:
    """The ``DrugInfo`` a database row of this record would give (with a made-up id)."""
    return DrugInfo(
        id=drug_id,
        generic_name=record.generic_name,
        display_name=record.display_name,
        schedule=record.schedule,
        controlled_basis=record.controlled_basis,
        high_alert=record.high_alert,
        drug_class=record.drug_class,
        atc_code=record.atc_code,
        components=list(record.components),
        aware=record.aware,
        eml=record.eml,
        pregnancy_avoid=record.pregnancy_avoid,
    )


class InMemoryResolver:
    """The lookup engine's matching pipeline over names held in memory (no cache, no database)."""

    def __init__(self, rows: Sequence[NameRow]) -> None:
        self.names = MemoryNames(rows)

    @classmethod
    def from_records(cls, records: Iterable[DrugRecord]) -> InMemoryResolver:
        rows: list[NameRow] = []
        for drug_id, record in enumerate(records, start=1):
            info = drug_info_from_record(record, drug_id)
            rows.extend(NameRow(name=e.key, kind=e.kind, drug=info) for e in record_names(record))
        return cls(rows)

    @classmethod
    def from_datafiles(cls, path: Path | str | None = None) -> InMemoryResolver:
        return cls.from_records(read_records(path))

    def resolve(self, text: str) -> Resolution:
        return resolve_pending({0: normalize(text)}, source=self.names)[0]


def load_cases(path: Path | str | None = None) -> list[Case]:
    raw = yaml.safe_load(Path(path or CASES_FILE).read_text(encoding="utf-8")) or []
    return [_case(c) for c in raw]


def _case(item: Mapping[str, Any]) -> Case:
    return Case(input=str(item["input"]), expect=item.get("expect"), category=str(item["category"]))


def evaluate(cases: Iterable[Case | Mapping[str, Any]], resolver: Resolver) -> EvalReport:
    """Run ``resolver`` over every case; the report holds each outcome."""
    report = EvalReport()
    start = time.perf_counter()
    for item in cases:
        case = item if isinstance(item, Case) else _case(item)
        res = resolver.resolve(case.input)
        got = res.drug["generic_name"] if res.drug else None
        report.outcomes.append(Outcome(case, got, res.match, res.score, res.confirm, res.note))
    report.seconds = time.perf_counter() - start
    return report


def _main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("--")]
    report = evaluate(load_cases(paths[0] if paths else None), InMemoryResolver.from_datafiles())
    print(report.table())
    if "--failures" in argv:
        for o in report.failures:
            print(
                f"FAIL [{o.case.category}] {o.case.input!r}: expected {o.case.expect!r}, got {o.got!r} "
                f"({o.match} {o.score} confirm={o.confirm} note={o.note})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
