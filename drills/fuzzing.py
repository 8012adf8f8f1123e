"""Drill 6: fuzzing.

Over HTTP: schemathesis (``st run``) against the running server's own OpenAPI schema (``/api/schema/``),
every operation, with a doctor's Bearer token (a doctor may call every operation), bounded examples
per operation, all its phases (coverage, fuzzing, stateful).  It checks ``not_a_server_error``; the
drill also counts every 5xx in the server's access log.

In process: hypothesis over the pure functions that read patient text, ``normalize`` (medication
names) and ``find_red_flags`` (symptoms, with age and pregnancy facts), on arbitrary text and on
text built from the words those functions look for.  Every exception counts as a crash.

Passes when schemathesis reports no failure, the server logged no 5xx, and nothing crashed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from devtools.load import bearer, http_call
from drills.context import DrillContext
from drills.harness import Missing, run_command
from drills.workload import triage_body

NAME = "fuzzing"
WORKERS = 2
_STATUS = re.compile(r'HTTP/\d\.\d" (\d{3}) ')

# Fragments of real input, so generated text reaches the interesting branches (units, forms,
# negations, numbers, red-flag phrases), mixed with arbitrary characters.
NAME_WORDS = [
    "panadol", "extra", "500mg", "1g", "x2", "tabs", "syrup", "caps", "augmentin", "625", "pcm", "forte",
    "flagyl", "400", "mg/5ml", "(", ")", "/", "+", "-", "&", "tramadol", "100", "iu", "mcg", "ds", "ampiclox",
]  # fmt: skip
SYMPTOM_WORDS = [
    "no", "not", "chest", "pain", "fever", "39.5", "c", "104", "f", "baby", "2", "months", "old", "pregnant",
    "bleeding", "convulsion", "?", "maybe", "denies", "headache", "stiff", "neck", "glucose", "25", "mmol/l",
    "unconscious", "breathing", "difficulty", "weeks", "years", ",", ".",
]  # fmt: skip


def _st_binary() -> str:
    found = shutil.which("st") or str(Path(sys.executable).parent / "st")
    if not Path(found).is_file():
        raise Missing("schemathesis (st) is not installed: pip install -e '.[test]'")
    return found


def _schemathesis(port: int, token: str, examples: int, workdir: Path) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    argv = [_st_binary(), "run", f"{base}/api/schema/", "--url", base, "-H", f"Authorization: Bearer {token}"]
    argv += ["--checks", "not_a_server_error", "--max-examples", str(examples), "--seed", "1"]
    argv += ["--workers", "1", "--warnings", "off", "--request-timeout", "30"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900, cwd=workdir, check=False)
    out = result.stdout
    (workdir / "schemathesis.txt").write_text(out + result.stderr)
    cases = re.search(r"(\d+) generated", out)
    return {
        "exit_code": result.returncode,
        "test_cases": int(cases.group(1)) if cases else None,
        "operations": (m.group(1) if (m := re.search(r"Tested: (\d+)", out)) else None),
        "summary": (out.strip().splitlines() or [""])[-1].strip("= "),
    }


def _hypothesis(examples: int) -> dict[str, Any]:
    """Run the in-process properties; count (never stop at) exceptions."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from rxtriage.lookup.normalize import _normalize, normalize
    from rxtriage.triage.redflags import find_red_flags

    crashes: dict[str, list[str]] = {"normalize": [], "normalize_internal": [], "find_red_flags": []}
    runs = {"normalize": 0, "find_red_flags": 0}

    def text_of(words: list[str]) -> st.SearchStrategy[str]:
        token = st.one_of(st.sampled_from(words), st.text(max_size=6))
        return st.one_of(st.text(max_size=300), st.lists(token, max_size=25).map(" ".join))

    def note(kind: str, exc: Exception) -> None:
        if len(crashes[kind]) < 5:
            crashes[kind].append(f"{type(exc).__name__}: {str(exc)[:120]}")
        else:
            crashes[kind].append(type(exc).__name__)

    options = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )

    @options
    @given(text_of(NAME_WORDS))
    def names(text: str) -> None:
        runs["normalize"] += 1
        try:
            normalize(text)
        except Exception as exc:
            note("normalize", exc)
        try:
            _normalize(text)  # the total wrapper hides internal errors: count them too
        except Exception as exc:
            note("normalize_internal", exc)

    @options
    @given(
        text_of(SYMPTOM_WORDS),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        st.one_of(st.none(), st.booleans()),
    )
    def symptoms(text: str, age: float | None, pregnant: bool | None) -> None:
        runs["find_red_flags"] += 1
        try:
            find_red_flags(text, age_years=age, pregnant=pregnant)
        except Exception as exc:
            note("find_red_flags", exc)

    names()
    symptoms()
    return {
        "examples": runs,
        "crashes": {k: len(v) for k, v in crashes.items()},
        "first_crashes": {k: v[:5] for k, v in crashes.items() if v},
    }


def run(ctx: DrillContext) -> dict[str, Any]:
    http_examples, unit_examples = ctx.pick(10, 100), ctx.pick(400, 5_000)
    redis = ctx.redis()
    env = ctx.env(ctx.database(NAME), redis.url, NAME)
    app = ctx.app(env, WORKERS, NAME)
    try:
        doctor = run_command(env, "create_token", "drill-fuzz-doctor", "--role", "doctor").strip()
        patient = run_command(env, "create_token", "drill-fuzz-patient", "--role", "patient").strip()
        for names in (["Panadol"], ["Ibuprofen 400mg"], ["Tramadol 100mg"]):  # something to read and review
            http_call(app.port, "POST", "/api/prescriptions/requests/", triage_body(names), bearer(patient))
        ctx.log(f"schemathesis, {http_examples} examples an operation")
        st_result = _schemathesis(app.port, doctor, http_examples, ctx.workdir)
        log = app.log()
    finally:
        app.stop()
        redis.stop()
    statuses = [int(code) for code in _STATUS.findall(log)]
    ctx.log(f"hypothesis, {unit_examples} examples a property")
    unit = _hypothesis(unit_examples)
    server_errors = sum(1 for code in statuses if code >= 500)
    crashes = unit["crashes"]["normalize"] + unit["crashes"]["find_red_flags"]
    passed = st_result["exit_code"] == 0 and server_errors == 0 and crashes == 0
    return {
        "passed": passed,
        "server_5xx": server_errors,
        "http_requests": len(statuses),
        "schemathesis": st_result,
        "crashes": crashes,
        "hidden_normalize_errors": unit["crashes"]["normalize_internal"],
        "hypothesis": unit,
        "examples_per_operation": http_examples,
    }
