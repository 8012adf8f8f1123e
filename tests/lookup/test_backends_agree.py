"""The database-backed lookup gives the labelled set's answers, and both fuzzy backends agree."""

from __future__ import annotations

import pytest

from bench.evaluate import EvalReport, evaluate, load_cases
from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.types import LookupResult


class LookupResolver:
    """The product's lookup (normalise, names index, fuzzy tier) in the evaluator's shape."""

    def __init__(self, lookup: DrugLookup) -> None:
        self.lookup = lookup

    def resolve(self, text: str) -> LookupResult:
        return self.lookup.lookup_one(name=text)


def _run(cache, backend: str) -> EvalReport:
    return evaluate(load_cases(), LookupResolver(DrugLookup(cache, fuzzy_backend=backend)))  # type: ignore[arg-type]


def _check(report: EvalReport) -> None:
    assert [o.case.input for o in report.non_medicines_resolved] == []
    assert report.accuracy >= 0.97
    assert report.wrong_drug == []


def test_the_database_lookup_resolves_the_labelled_set(formulary, fresh_drug_cache):
    _check(_run(fresh_drug_cache, "memory"))


@pytest.mark.postgres
def test_trigram_fuzzy_matching_never_picks_another_drug_than_the_in_process_index(
    formulary, fresh_drug_cache
):
    """With the real formulary both backends run the in-process index (``auto``); at scale the trigram
    index retrieves candidates above its similarity threshold, so a badly misspelt name may stay
    unresolved (a doctor sees it), but it never resolves to another drug."""
    memory = _run(fresh_drug_cache, "memory")
    fresh_drug_cache.l1_clear()
    fresh_drug_cache.prefix += "trigram:"
    trigram = _run(fresh_drug_cache, "trigram")
    assert [o.case.input for o in trigram.non_medicines_resolved] == []
    assert trigram.wrong_drug == []
    pairs = list(zip(memory.outcomes, trigram.outcomes, strict=True))
    assert [(a.case.input, a.got, b.got) for a, b in pairs if b.got is not None and a.got != b.got] == []
    unresolved = [a.case.input for a, b in pairs if a.got is not None and b.got is None]
    assert len(unresolved) <= len(pairs) // 100, unresolved
