"""Drill 7: the auth matrix, over HTTP against a running server.

Every endpoint of the API x every caller: no token, a malformed token, an expired token, a revoked
token, a patient, another patient, a pharmacist and a doctor.  The expected status of each cell is
the contract (docs/architecture.md section 7; the same table as tests/api/test_api_matrix.py): bad or missing
tokens are 401 (``not_authenticated`` without a token, ``authentication_failed`` otherwise), another
patient's request is a 404, only pharmacists and doctors review (403 otherwise), and the API's own
schema needs a token too.  Health, readiness, metrics and the docs page (Swagger UI, which fetches the
schema with the token its user enters) are public and hold no patient data.

Beyond the cells: nothing is stored for a refused caller, and no list shows another patient's request.
"""

from __future__ import annotations

import secrets
from typing import Any

from devtools.load import bearer, http_call
from drills.context import DrillContext
from drills.harness import run_agent
from drills.workload import triage_body

NAME = "auth_matrix"
WORKERS = 2
CALLERS = (
    "no token",
    "malformed",
    "expired",
    "revoked",
    "patient",
    "another patient",
    "pharmacist",
    "doctor",
)
REFUSED = {"no token": 401, "malformed": 401, "expired": 401, "revoked": 401}
BENIGN = triage_body(["Paracetamol 500mg"], symptoms="mild headache since yesterday")


def _everyone(status: int) -> dict[str, int]:
    return {**REFUSED, **dict.fromkeys(CALLERS[4:], status)}


def _public() -> dict[str, int]:
    return dict.fromkeys(CALLERS, 200)


# (name, method, path template, body, expected status per caller)
ENDPOINTS: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("create a request", "POST", "/api/prescriptions/requests/", BENIGN, _everyone(201)),
    ("list requests", "GET", "/api/prescriptions/requests/", None, _everyone(200)),
    ("open the patient's request", "GET", "/api/prescriptions/requests/{id}/", None,
     {**_everyone(200), "another patient": 404}),
    ("review the patient's request", "POST", "/api/prescriptions/requests/{id}/review/",
     {"decision": "approve", "note": "ok"},
     {**REFUSED, "patient": 403, "another patient": 403, "pharmacist": 200, "doctor": 200}),
    ("resolve many names", "POST", "/api/drugs/resolve/", {"names": ["Panadol", "banana"]}, _everyone(200)),
    ("resolve one name", "GET", "/api/drugs/resolve/?name=Panadol", None, _everyone(200)),
    ("search drugs", "GET", "/api/drugs/search/?q=para&limit=5", None, _everyone(200)),
    ("open a drug", "GET", "/api/drugs/{drug}/", None, _everyone(200)),
    ("unknown API path", "GET", "/api/nothing-here/", None, dict.fromkeys(CALLERS, 404)),
    ("OpenAPI schema", "GET", "/api/schema/", None, _everyone(200)),
    ("API docs (public page, no data)", "GET", "/api/docs/", None, _public()),
    ("health (public)", "GET", "/healthz", None, _public()),
    ("readiness (public)", "GET", "/readyz", None, _public()),
    ("metrics (public)", "GET", "/metrics", None, _public()),
]  # fmt: skip


def _tokens(env: dict[str, str], run_id: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Headers per caller, and the username behind each caller with a user."""
    users = {
        "expired": ("patient", "expired"),
        "revoked": ("patient", "revoked"),
        "patient": ("patient", "valid"),
        "another patient": ("patient", "valid"),
        "pharmacist": ("pharmacist", "valid"),
        "doctor": ("doctor", "valid"),
    }
    names = {caller: f"drill-am-{run_id}-{caller.replace(' ', '-')}" for caller in users}
    specs = [{"username": names[c], "role": role, "state": state} for c, (role, state) in users.items()]
    tokens = run_agent(env, "tokens", {"users": specs})["tokens"]
    headers = {"no token": {}, "malformed": {"Authorization": "Bearer not a token"}}
    headers.update({caller: bearer(tokens[names[caller]]) for caller in users})
    return headers, names


def _expected_code(caller: str, status: int) -> str | None:
    if status == 401:
        return "not_authenticated" if caller == "no token" else "authentication_failed"
    return {403: "permission_denied", 404: "not_found"}.get(status)


def _cell(
    port: int, headers: dict[str, dict[str, str]], caller: str, endpoint: tuple[Any, ...], drug: int
) -> Any:
    """One cell: (status, error code or None); a review gets a fresh request of the patient's."""
    _, method, template, body, _ = endpoint
    request_id = 0
    if "{id}" in template:
        status, created = http_call(port, "POST", "/api/prescriptions/requests/", BENIGN, headers["patient"])
        if status != 201:
            raise RuntimeError(f"could not create the patient's request: {status}")
        request_id = created["id"]
    path = template.format(id=request_id, drug=drug)
    status, answer = http_call(port, method, path, body, headers[caller])
    code = answer.get("error", {}).get("code") if isinstance(answer, dict) and status >= 400 else None
    return status, code, request_id


def _lists_leak(port: int, headers: dict[str, dict[str, str]], own_ids: set[int]) -> int:
    """Requests of the patient that appear in another patient's list (must be 0)."""
    status, page = http_call(
        port, "GET", "/api/prescriptions/requests/?limit=100", None, headers["another patient"]
    )
    if status != 200:
        return -1
    return sum(1 for item in page["results"] if item["id"] in own_ids)


def run(ctx: DrillContext) -> dict[str, Any]:
    run_id = secrets.token_hex(3)
    env = ctx.env(ctx.database(NAME), None, NAME)
    app = ctx.app(env, WORKERS, NAME)
    cells: list[dict[str, Any]] = []
    try:
        headers, names = _tokens(env, run_id)
        _, resolved = http_call(
            app.port, "GET", "/api/drugs/resolve/?name=Paracetamol", None, headers["doctor"]
        )
        first = resolved["results"][0] if "results" in resolved else resolved  # GET answers as the POST does
        drug = int(first["drug"]["id"])
        own_ids: set[int] = set()
        for endpoint in ENDPOINTS:
            for caller in CALLERS:
                status, code, request_id = _cell(app.port, headers, caller, endpoint, drug)
                own_ids.add(request_id)
                expected = endpoint[4][caller]
                wanted_code = _expected_code(caller, expected)
                ok = status == expected and (wanted_code is None or code == wanted_code)
                cells.append({"endpoint": endpoint[0], "caller": caller, "status": status, "code": code,
                              "expected": expected, "ok": ok})  # fmt: skip
        leaked = _lists_leak(app.port, headers, own_ids - {0})
        refused_users = [names[c] for c in ("expired", "revoked")]
        stored_for_refused = len(run_agent(env, "requests", {"usernames": refused_users})["requests"])
    finally:
        app.stop()
    wrong = [c for c in cells if not c["ok"]]
    return {
        "passed": not wrong and leaked == 0 and stored_for_refused == 0,
        "cells": len(cells),
        "wrong_cells": len(wrong),
        "endpoints": len(ENDPOINTS),
        "callers": len(CALLERS),
        "stored_for_refused_callers": stored_for_refused,
        "other_patients_requests_in_list": leaked,
        "wrong": wrong[:20],
    }
