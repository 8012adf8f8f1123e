"""Independent validation cases (``data/validation_cases.yaml``), run exactly like ``test_cases.py``: the
real lookup (``lookup_many``) against the shipped formulary, then ``rxtriage.triage.rules.decide``.

Same case shape as ``cases.yaml`` (``name``, ``request``, ``expect`` with ``route``, ``reasons_include``,
``red_flags_include``, ``resolves``), plus an optional ``xfail: "<reason>"``: a known gap (lookup,
formulary data or rules) that is reported rather than fixed here.  Such a case runs as a *strict* xfail,
so the suite stays green while the gap stays visible, and a fix turns it into a failure (XPASS) that
says to drop the marker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

# The helpers of test_cases.py (same directory; pytest's rootdir-relative "prepend" import mode puts it
# on sys.path), so both suites judge a decision in exactly the same way.
from test_cases import _check_decision, _check_resolution, _explain, _resolved, needs_django

from rxtriage.triage.rules import decide
from rxtriage.triage.types import TriageInput

CASES_FILE = Path(__file__).resolve().parent / "data" / "validation_cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))

ROUTES = {"urgent", "doctor", "pharmacist"}


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case.get("xfail"):
        marks.append(pytest.mark.xfail(reason=str(case["xfail"]), strict=True))
    return pytest.param(case, id=case["name"], marks=marks)


def test_there_are_enough_validation_cases_and_they_are_well_formed() -> None:
    assert len(CASES) >= 120
    assert len({case["name"] for case in CASES}) == len(CASES)
    allowed = {"name", "request", "expect", "xfail"}
    for case in CASES:
        assert set(case) <= allowed, case["name"]
        assert case["expect"]["route"] in ROUTES, case["name"]
        assert isinstance(case["request"].get("medications"), list), case["name"]


@needs_django
@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_validation_case(case: dict[str, Any], formulary: Any) -> None:
    triage_input = TriageInput.from_payload(case["request"])
    decision = decide(request=triage_input, results=_resolved(triage_input))
    expect = case["expect"]
    problems = _check_resolution(decision, expect.get("resolves") or {}) + _check_decision(decision, expect)
    assert not problems, "\n".join(problems) + "\n" + _explain(decision)
