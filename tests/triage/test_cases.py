"""End-to-end triage cases as data (``data/cases.yaml``): the real lookup against the shipped formulary,
then ``rxtriage.triage.rules.decide``.

Each case: ``name`` (a sentence), ``request`` (the HTTP body shape) and ``expect``: ``route``,
``reasons_include`` (codes), optionally ``red_flags_include`` (each a substring of some matched phrase)
and ``resolves`` ({typed name: generic name or null}), which tells a lookup problem from a rules problem.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from rxtriage.triage.rules import decide
from rxtriage.triage.types import Decision, TriageInput

CASES_FILE = Path(__file__).resolve().parent / "data" / "cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))

# The cases need the formulary database, so pytest-django; under ``-p no:django`` they are skipped.
needs_django = pytest.mark.skipif(
    "pytest_django.plugin" not in sys.modules,
    reason="end-to-end cases need pytest-django (the formulary database)",
)


def _resolved(request: TriageInput) -> list[Any]:
    from rxtriage.lookup.api import lookup_many  # needs the Django app registry

    return lookup_many(names=request.names)


def _explain(decision: Decision) -> str:
    lines = [f"route={decision.route} codes={decision.codes} red_flags={list(decision.red_flags)}"]
    for med in decision.medications:
        drug = med["drug"] or {}
        lines.append(
            f"  {med['input']!r} -> {drug.get('generic_name')} ({drug.get('schedule')}) "
            f"match={med['match']} note={med['note']}"
        )
    return "\n".join(lines)


def _check_resolution(decision: Decision, resolves: dict[str, str | None]) -> list[str]:
    got = {m["input"]: (m["drug"] or {}).get("generic_name") for m in decision.medications}
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


def test_there_are_enough_cases_and_their_names_are_unique() -> None:
    assert len(CASES) >= 120
    assert len({case["name"] for case in CASES}) == len(CASES)


@needs_django
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(case: dict[str, Any], formulary: Any) -> None:
    triage_input = TriageInput.from_payload(case["request"])
    decision = decide(request=triage_input, results=_resolved(triage_input))
    expect = case["expect"]
    problems = _check_resolution(decision, expect.get("resolves") or {}) + _check_decision(decision, expect)
    assert not problems, "\n".join(problems) + "\n" + _explain(decision)
