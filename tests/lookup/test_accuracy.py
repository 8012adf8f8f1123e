"""Accuracy of the matcher on the labelled names (tests/lookup/data/labelled_names.yaml).

The floors sit a little below what the matcher reaches, so a regression fails the build; no input
expected to be nothing may ever resolve to a drug."""

from __future__ import annotations

from functools import lru_cache

from rxtriage.formulary.datafile import read_records
from rxtriage.lookup.evaluate import EvalReport, InMemoryResolver, evaluate, load_cases

pytestmark: list[object] = []

FLOORS = {
    "exact": 1.0,
    "case_space": 0.96,
    "strength_form": 0.97,
    "intl_brand": 0.97,
    "ng_brand": 0.8,
    "other_name": 0.97,
    "abbreviation": 0.94,
    "typo": 0.95,
    "combination": 0.94,
    "salt": 0.97,
    "non_medicine": 1.0,
}
OVERALL_FLOOR = 0.97


@lru_cache(maxsize=1)
def _report() -> EvalReport:
    return evaluate(load_cases(), InMemoryResolver.from_datafiles())


def test_the_labelled_set_is_large_and_covers_every_category() -> None:
    cases = load_cases()
    assert len(cases) >= 350
    assert {c.category for c in cases} == set(FLOORS)
    assert sum(c.category == "non_medicine" for c in cases) >= 40


def test_every_expected_medicine_is_in_the_formulary() -> None:
    generics = {r.generic_name for r in read_records()}
    missing = sorted({c.expect for c in load_cases() if c.expect and c.expect not in generics})
    assert missing == []


def test_no_non_medicine_ever_resolves_to_a_drug() -> None:
    resolved = [(o.case.input, o.got) for o in _report().non_medicines_resolved]
    assert resolved == []


def test_each_category_stays_above_its_floor() -> None:
    report = _report()
    below = {
        category: round(report.category_accuracy(category), 3)
        for category, floor in FLOORS.items()
        if report.category_accuracy(category) < floor
    }
    assert below == {}, report.table()


def test_overall_accuracy_stays_above_the_floor() -> None:
    report = _report()
    assert report.accuracy >= OVERALL_FLOOR, report.table()


def test_no_labelled_medicine_resolves_to_a_wrong_drug() -> None:
    wrong = [(o.case.input, o.case.expect, o.got) for o in _report().wrong_drug]
    assert len(wrong) <= 2, wrong
