"""The review console's pages and actions, through Django's test client (a real browser: test_browser)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.console.payloads import BENIGN, DOCTOR, PASSWORD, URGENT

pytestmark = pytest.mark.django_db


def test_every_console_page_sends_a_signed_out_visitor_to_sign_in(saved: Callable[..., Any]) -> None:
    obj = saved(BENIGN)
    for path in ("/console/", f"/console/requests/{obj.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/console/login/?next=")


def test_a_pharmacist_signs_in_and_sees_the_pharmacist_queue_only(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    light, urgent = saved(BENIGN), saved(URGENT)
    page = signed_in("chidi", "pharmacist").get("/console/").content.decode()
    assert f"/console/requests/{light.pk}/" in page
    assert f"/console/requests/{urgent.pk}/" not in page
    assert "1</span> open pharmacist" in page


def test_a_patient_is_refused_at_sign_in(make_person: Callable[..., Any]) -> None:
    make_person("ada", "patient")
    response = Client().post("/console/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    assert "Only pharmacists and doctors can sign in" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    make_person: Callable[..., Any],
) -> None:
    make_person("chidi", "pharmacist")
    response = Client().post("/console/login/", {"username": "chidi", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_the_doctor_queue_puts_urgent_first_then_oldest(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    older_doctor = saved(DOCTOR)
    urgent = saved(URGENT)
    newer_doctor = saved(DOCTOR)
    page = signed_in("dami", "doctor").get("/console/").content.decode()
    order = [page.index(f"/console/requests/{o.pk}/") for o in (urgent, older_doctor, newer_doctor)]
    assert order == sorted(order)
    assert "1</span> open urgent" in page and "2</span> open doctor" in page


def test_filters_narrow_the_queue_and_an_htmx_refresh_gets_the_table_alone(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    urgent, doctor_route = saved(URGENT), saved(DOCTOR)
    client = signed_in("dami", "doctor")
    page = client.get("/console/?route=urgent&state=open").content.decode()
    assert f"/requests/{urgent.pk}/" in page and f"/requests/{doctor_route.pk}/" not in page
    assert "No requests match" in client.get("/console/?state=closed").content.decode()
    partial = client.get("/console/?route=doctor", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="queue"')
    assert "<html" not in partial and f"/requests/{doctor_route.pk}/" in partial


def test_a_request_page_shows_the_symptoms_escaped_with_red_flag_spans_and_their_status(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved({**URGENT, "symptoms": "<script>alert(1)</script> crushing chest pain, no fever"})
    page = signed_in("dami", "doctor").get(f"/console/requests/{obj.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<mark class="flag affirmed"' in page
    assert "Panadol" in page and "otc" in page


def test_approving_takes_the_request_out_of_the_open_queue(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(BENIGN)
    client = signed_in("chidi", "pharmacist")
    response = client.post(
        f"/console/requests/{obj.pk}/review/",
        {"decision": "approve", "note": "Take with food", "seen_status": "pending"},
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    obj.refresh_from_db()
    assert (obj.status, obj.review_note, obj.reviewed_by.username) == ("approved", "Take with food", "chidi")
    assert f"/console/requests/{obj.pk}/" not in client.get("/console/").content.decode()


def test_a_pharmacist_escalation_moves_the_request_to_the_doctor_queue(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(BENIGN)
    signed_in("chidi", "pharmacist").post(
        f"/console/requests/{obj.pk}/review/", {"decision": "escalate", "seen_status": "pending"}
    )
    obj.refresh_from_db()
    assert (obj.route, obj.status) == ("doctor", "escalated")
    assert f"/console/requests/{obj.pk}/" in signed_in("dami", "doctor").get("/console/").content.decode()


def test_a_pharmacist_cannot_act_on_a_doctor_route_request(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(DOCTOR)
    response = signed_in("chidi", "pharmacist").post(
        f"/console/requests/{obj.pk}/review/", {"decision": "approve", "seen_status": "pending"}
    )
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.status == "pending"


def test_when_two_reviewers_act_at_once_the_second_is_told_plainly(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(DOCTOR)
    first, second = signed_in("dami", "doctor"), signed_in("efe", "doctor")
    first.post(f"/console/requests/{obj.pk}/review/", {"decision": "decline", "seen_status": "pending"})
    response = second.post(
        f"/console/requests/{obj.pk}/review/", {"decision": "approve", "seen_status": "pending"}
    )
    assert response.status_code == 409
    assert "was declined by dami" in response.content.decode()
    obj.refresh_from_db()
    assert (obj.status, obj.reviewed_by.username) == ("declined", "dami")


def test_a_review_without_the_csrf_token_is_refused(
    make_person: Callable[..., Any], saved: Callable[..., Any]
) -> None:
    obj = saved(BENIGN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_person("chidi", "pharmacist"))
    response = client.post(f"/console/requests/{obj.pk}/review/", {"decision": "approve"})
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.status == "pending"


def test_pages_carry_a_content_security_policy_without_unsafe_inline(
    signed_in: Callable[..., Client],
) -> None:
    response = signed_in("chidi", "pharmacist").get("/console/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()  # every script is a file of the package


def test_the_queue_with_many_requests_stays_under_100_kb_with_its_assets(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    from django.contrib.staticfiles import finders

    for _ in range(60):
        saved(BENIGN)
    page = signed_in("chidi", "pharmacist").get("/console/").content
    assets = 0
    for name in ("console/console.css", "django_htmx/htmx-2.min.js"):
        found = finders.find(name)
        assert isinstance(found, str), name
        assets += Path(found).stat().st_size
    assert len(page) + assets < 100_000, (len(page), assets)


def test_set_password_reads_standard_input_and_applies_the_validators(
    make_person: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_person("chidi", "pharmacist")
    monkeypatch.setattr("sys.stdin", io.StringIO("a\n"))
    with pytest.raises(CommandError):
        call_command("set_password", "chidi")
    monkeypatch.setattr("sys.stdin", io.StringIO("a much longer pass phrase 42\n"))
    call_command("set_password", "chidi", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a much longer pass phrase 42")


def test_set_password_refuses_a_patient(
    make_person: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_person("ada", "patient")
    monkeypatch.setattr("sys.stdin", io.StringIO("a much longer pass phrase 42\n"))
    with pytest.raises(CommandError, match="Only pharmacists and doctors"):
        call_command("set_password", "ada")


def test_nobody_reviews_a_request_they_sent_themselves(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(DOCTOR, username="dami", role="doctor")
    client = signed_in("dami", "doctor")
    assert "another clinician must review it" in client.get(f"/console/requests/{obj.pk}/").content.decode()
    response = client.post(
        f"/console/requests/{obj.pk}/review/", {"decision": "approve", "seen_status": "pending"}
    )
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.status == "pending"


def test_a_clinicians_own_open_request_is_not_in_their_queue_but_in_a_colleagues(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    """They cannot review it, so it is not their work: it leaves their open queue and its counts, and
    stays in another doctor's; under "all" they still find it."""
    own, other = saved(DOCTOR, username="dami", role="doctor"), saved(DOCTOR)
    mine = signed_in("dami", "doctor")
    page = mine.get("/console/").content.decode()
    assert f"/console/requests/{other.pk}/" in page and f"/console/requests/{own.pk}/" not in page
    assert "1</span> open doctor" in page
    assert f"/console/requests/{own.pk}/" in mine.get("/console/?state=all").content.decode()
    colleague = signed_in("bisi", "doctor").get("/console/").content.decode()
    assert f"/console/requests/{own.pk}/" in colleague and "2</span> open doctor" in colleague


def test_a_review_keeps_the_private_clinician_note_apart_from_the_patients_note(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(DOCTOR)
    client = signed_in("dami", "doctor")
    client.post(
        f"/console/requests/{obj.pk}/review/",
        {
            "decision": "escalate",
            "note": "Please call 112",
            "clinician_note": "Query misuse",
            "seen_status": "pending",
        },
    )
    obj.refresh_from_db()
    assert (obj.review_note, obj.clinician_note) == ("Please call 112", "Query misuse")
    page = client.get(f"/console/requests/{obj.pk}/").content.decode()
    assert "Query misuse" in page and "Please call 112" in page


def test_repeated_failed_sign_ins_lock_the_account_out(
    make_person: Callable[..., Any], settings: Any
) -> None:
    make_person("chidi", "pharmacist")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/console/login/", {"username": "chidi", "password": "wrong"})
    response = Client().post("/console/login/", {"username": "chidi", "password": PASSWORD})
    assert response.status_code != 302  # the right password no longer signs in while locked out
    assert "_auth_user_id" not in response.client.session


def test_the_request_history_shows_who_reviewed_it(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    obj = saved(BENIGN)
    client = signed_in("chidi", "pharmacist")
    client.post(f"/console/requests/{obj.pk}/review/", {"decision": "decline", "seen_status": "pending"})
    page = client.get(f"/console/requests/{obj.pk}/?state=all").content.decode()
    history = page[page.index('id="history-h"') :]
    assert "declined" in history and "(chidi)" in history


def test_a_pharmacist_approves_a_name_from_traffic_and_the_next_lookup_resolves_it(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    from rxtriage.curation.api import curation_key, curation_list
    from rxtriage.lookup.api import lookup_one

    key = curation_key(text="Zentavix")
    for _ in range(2):
        saved({**BENIGN, "medications": [{"medicationName": "Zentavix"}]})
    client = signed_in("chidi", "pharmacist")
    page = client.get("/console/curation/").content.decode()
    assert f'<h2 class="key">{key}</h2>' in page and "seen 2 times" in page
    response = client.post("/console/curation/approve/", {"key": key, "drug": "paracetamol", "kind": "brand"})
    assert response.status_code == 302
    assert lookup_one(name="Zentavix").generic_name == "paracetamol"
    assert f'<h2 class="key">{key}</h2>' not in client.get("/console/curation/").content.decode()
    assert not [item for item in curation_list() if item.key == key]


def test_a_rejected_name_stops_showing_and_doctors_cannot_curate(
    signed_in: Callable[..., Client], saved: Callable[..., Any]
) -> None:
    from rxtriage.curation.api import curation_key

    key = curation_key(text="Qwertyx")
    saved({**BENIGN, "medications": [{"medicationName": "Qwertyx"}]})
    assert signed_in("dami", "doctor").get("/console/curation/").status_code == 403
    client = signed_in("chidi", "pharmacist")
    assert f'<h2 class="key">{key}</h2>' in client.get("/console/curation/").content.decode()
    client.post("/console/curation/reject/", {"key": key})
    assert f'<h2 class="key">{key}</h2>' not in client.get("/console/curation/").content.decode()
