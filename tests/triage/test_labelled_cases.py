"""The three labelled triage sets in ``data/``, end to end: the real lookup (``lookup_many``) against
the shipped formulary, then ``rxtriage.triage.rules.decide``.

- ``cases.yaml``: written with the rules, so optimistic;
- ``validation_cases.yaml``: written independently of the rules;
- ``validation_cases_2.yaml``: a second independent set.

Each case: ``name`` (a sentence), ``request`` (the HTTP body shape) and ``expect``: ``route``,
``reasons_include`` (codes), optionally ``red_flags_include`` (each a substring of some matched phrase)
and ``resolves`` ({typed name: generic name or null}), which tells a lookup problem from a rules
problem.  A case may carry ``xfail: "<reason>"``: a known gap (lookup, formulary data or rules) that is
reported rather than fixed.  It runs as a *strict* xfail, so the suite stays green while the gap stays
visible, and a fix turns it into a failure (XPASS) that says to drop the marker.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from rxtriage.triage.rules import decide
from rxtriage.triage.types import Decision, TriageInput

DATA = Path(__file__).resolve().parent / "data"
ROUTES = {"urgent", "doctor", "pharmacist"}
CASE_KEYS = {"name", "category", "request", "expect", "xfail"}


@dataclass(frozen=True)
class LabelledSet:
    file: str
    min_cases: int


SETS = {
    "cases": LabelledSet("cases.yaml", min_cases=120),
    "validation": LabelledSet("validation_cases.yaml", min_cases=120),
    "validation_2": LabelledSet("validation_cases_2.yaml", min_cases=100),
    "validation_3": LabelledSet("validation_cases_3.yaml", min_cases=250),
    "validation_4": LabelledSet("validation_cases_4.yaml", min_cases=150),
}

# The cases need the formulary database, so pytest-django; under ``-p no:django`` they are skipped.
needs_django = pytest.mark.skipif(
    "pytest_django.plugin" not in sys.modules,
    reason="end-to-end cases need pytest-django (the formulary database)",
)


@cache
def _cases(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load((DATA / SETS[name].file).read_text(encoding="utf-8"))
    return loaded


def _params() -> list[Any]:
    params = []
    for set_name in SETS:
        for case in _cases(set_name):
            marks = [pytest.mark.xfail(reason=str(case["xfail"]), strict=True)] if case.get("xfail") else []
            params.append(pytest.param(case, id=f"{set_name}: {case['name']}", marks=marks))
    return params


def _resolved(request: TriageInput) -> list[Any]:
    from rxtriage.lookup.api import lookup_many  # needs the Django app registry

    return lookup_many(names=request.names)


def _explain(decision: Decision) -> str:
    lines = [f"route={decision.route} codes={decision.codes} red_flags={list(decision.red_flags)}"]
    for med in decision.medications:
        drug = med["drug"]
        found = f"{drug['generic_name']} ({drug['schedule']})" if drug else "None"
        lines.append(f"  {med['input']!r} -> {found} match={med['match']} note={med['note']}")
    return "\n".join(lines)


def _check_resolution(decision: Decision, resolves: dict[str, str | None]) -> list[str]:
    got = {m["input"]: m["drug"]["generic_name"] if m["drug"] else None for m in decision.medications}
    return [
        f"lookup: {name!r} -> {got.get(name)!r}, expected {want!r}"
        for name, want in resolves.items()
        if got.get(name) != want
    ]


def _check_decision(decision: Decision, expect: dict[str, Any]) -> list[str]:
    problems = []
    if decision.route != expect["route"]:
        problems.append(f"route {decision.route!r}, expected {expect['route']!r}")
    missing = set(expect.get("reasons_include") or ()) - set(decision.codes)
    if missing:
        problems.append(f"missing reasons {sorted(missing)}")
    phrases = [p.lower() for p in decision.red_flags]
    for wanted in expect.get("red_flags_include") or ():
        if not any(wanted.lower() in p for p in phrases):
            problems.append(f"missing red flag {wanted!r}")
    return problems


@pytest.mark.parametrize("set_name", SETS)
def test_each_set_has_enough_well_formed_cases_with_unique_names(set_name: str) -> None:
    cases = _cases(set_name)
    assert len(cases) >= SETS[set_name].min_cases
    assert len({case["name"] for case in cases}) == len(cases)
    for case in cases:
        assert set(case) <= CASE_KEYS, case["name"]
        assert case["expect"]["route"] in ROUTES, case["name"]
        assert isinstance(case["request"].get("medications"), list), case["name"]


@needs_django
@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any], formulary: Any) -> None:
    triage_input = TriageInput.from_payload(case["request"])
    decision = decide(request=triage_input, results=_resolved(triage_input))
    expect = case["expect"]
    problems = _check_resolution(decision, expect.get("resolves") or {}) + _check_decision(decision, expect)
    assert not problems, "\n".join(problems) + "\n" + _explain(decision)
