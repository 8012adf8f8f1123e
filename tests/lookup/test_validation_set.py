"""Accuracy of the matcher on the validation names (tests/lookup/data/validation_names.yaml).

The validation set was written independently of labelled_names.yaml (which tuned the matcher), in three
batches each evaluated before anything was changed for it, so it measures the matcher on inputs it was
not tuned on.  The floors sit a little below what the matcher reaches; no input expected to be nothing
may resolve to a drug, and no medicine may resolve to another one."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rxtriage.formulary.datafile import read_records
from rxtriage.lookup.evaluate import Case, EvalReport, InMemoryResolver, evaluate, load_cases

VALIDATION_FILE = Path(__file__).resolve().parent / "data" / "validation_names.yaml"

FLOORS = {
    "exact": 1.0,
    "case_space": 0.96,
    "strength_form": 0.98,
    "intl_brand": 0.97,
    "ng_brand": 0.97,
    "other_name": 0.97,
    "abbreviation": 0.97,
    "typo": 0.97,
    "combination": 0.98,
    "salt": 0.99,
    "non_medicine": 1.0,
}
OVERALL_FLOOR = 0.98


@lru_cache(maxsize=1)
def _cases() -> tuple[Case, ...]:
    return tuple(load_cases(VALIDATION_FILE))


@lru_cache(maxsize=1)
def _report() -> EvalReport:
    return evaluate(_cases(), InMemoryResolver.from_datafiles())


def test_the_validation_set_is_large_and_covers_every_category() -> None:
    cases = _cases()
    assert len(cases) >= 400
    assert {c.category for c in cases} == set(FLOORS)
    assert sum(c.category == "non_medicine" for c in cases) >= 40
    assert sum(c.expect is None and c.category != "non_medicine" for c in cases) >= 40


def test_every_expected_medicine_is_in_the_formulary() -> None:
    generics = {r.generic_name for r in read_records()}
    missing = sorted({c.expect for c in _cases() if c.expect and c.expect not in generics})
    assert missing == []


def test_no_input_expected_to_be_nothing_resolves_to_a_drug() -> None:
    resolved = [(o.case.input, o.got) for o in _report().non_medicines_resolved]
    assert resolved == []


def test_no_medicine_resolves_to_a_wrong_drug() -> None:
    wrong = [(o.case.input, o.case.expect, o.got) for o in _report().wrong_drug]
    assert wrong == []


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
