"""A third independent validation set (``data/validation_cases_3.yaml``), written blind from the triage
contract and the clinical basis alone, run exactly like ``test_validation_cases.py`` (same helpers, same
strict ``xfail: "<reason>"`` marker).  Each case also names its ``category``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_cases import _check_decision, _check_resolution, _explain, _resolved, needs_django
from test_validation_cases import ROUTES, _param

from rxtriage.triage.rules import decide
from rxtriage.triage.types import TriageInput

CASES_FILE = Path(__file__).resolve().parent / "data" / "validation_cases_3.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def test_there_are_enough_cases_and_they_are_well_formed() -> None:
    assert len(CASES) >= 150
    assert len({case["name"] for case in CASES}) == len(CASES)
    for case in CASES:
        assert set(case) <= {"name", "category", "request", "expect", "xfail"}, case["name"]
        assert case["expect"]["route"] in ROUTES, case["name"]
        assert isinstance(case["request"].get("medications"), list), case["name"]


@needs_django
@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_validation_case_3(case: dict[str, Any], formulary: Any) -> None:
    triage_input = TriageInput.from_payload(case["request"])
    decision = decide(request=triage_input, results=_resolved(triage_input))
    expect = case["expect"]
    problems = _check_resolution(decision, expect.get("resolves") or {}) + _check_decision(decision, expect)
    assert not problems, "\n".join(problems) + "\n" + _explain(decision)
