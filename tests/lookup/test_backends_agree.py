"""The database-backed lookup gives the labelled set's answers, and both fuzzy backends agree."""

from __future__ import annotations

import pytest

from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.evaluate import EvalReport, evaluate, load_cases
from rxtriage.lookup.types import LookupResult


class LookupResolver:
    """The product's lookup (normalise, names index, fuzzy tier) in the evaluator's shape."""

    def __init__(self, lookup: DrugLookup) -> None:
        self.lookup = lookup

    def resolve(self, text: str) -> LookupResult:
        return self.lookup.lookup_one(text)


def _run(cache, backend: str) -> EvalReport:  # type: ignore[no-untyped-def]
    return evaluate(load_cases(), LookupResolver(DrugLookup(cache, fuzzy_backend=backend)))  # type: ignore[arg-type]


def _check(report: EvalReport) -> None:
    assert [o.case.input for o in report.non_medicines_resolved] == []
    assert report.accuracy >= 0.97
    assert report.wrong_drug == []


def test_the_database_lookup_resolves_the_labelled_set(formulary, fresh_drug_cache):
    _check(_run(fresh_drug_cache, "memory"))


@pytest.mark.postgres
def test_trigram_and_in_process_fuzzy_matching_give_the_same_answers(formulary, fresh_drug_cache):
    memory = _run(fresh_drug_cache, "memory")
    fresh_drug_cache.l1_clear()
    fresh_drug_cache.prefix += "trigram:"
    trigram = _run(fresh_drug_cache, "trigram")
    _check(trigram)
    differ = [
        (a.case.input, a.got, b.got)
        for a, b in zip(memory.outcomes, trigram.outcomes, strict=True)
        if a.got != b.got
    ]
    assert differ == []
