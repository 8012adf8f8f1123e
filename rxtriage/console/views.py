"""The review console: thin views over the triage services and selectors (the API's own), rendered on
the server; htmx refreshes the queue in place.  Every page needs a signed-in pharmacist or doctor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from rxtriage.console.forms import (
    ClinicianSignInForm,
    CurationApproveForm,
    CurationRejectForm,
    QueueFilterForm,
    ReviewForm,
)
from rxtriage.console.selectors import queue_counts, queue_rows, symptom_segments
from rxtriage.console.services import is_clinician
from rxtriage.curation.api import CurationError, curation_approve, curation_list, curation_reject
from rxtriage.triage.models import PrescriptionRequest, Status
from rxtriage.triage.selectors import prescription_request_get, user_role
from rxtriage.triage.services import ReviewFinal, ReviewForbidden, prescription_request_review

__all__ = [
    "SignInView",
    "SignOutView",
    "curation",
    "curation_decide",
    "queue",
    "request_detail",
    "request_review",
]

View = Callable[..., HttpResponse]


def clinician_required(view: View) -> View:
    """Signed-in pharmacists and doctors only: others are sent to sign in, or refused (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="console:login")
        if not is_clinician(request.user):
            return render(request, "console/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


class SignInView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ClinicianSignInForm
    redirect_authenticated_user = True
    next_page = "console:queue"


class SignOutView(auth_views.LogoutView):
    next_page = "console:login"


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    return {
        "form": form,
        "filters": filters,
        "rows": queue_rows(user=request.user, filters=filters),
        "counts": queue_counts(user=request.user),
        "role": user_role(user=request.user),
        "query": request.GET.urlencode(),
    }


@require_GET
@clinician_required
def queue(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue; an htmx request gets the table alone (the page refreshes it in place)."""
    template = "console/_queue.html" if getattr(request, "htmx", False) else "console/queue.html"
    return render(request, template, _queue_context(request))


def _request_or_404(request: HttpRequest, id: int) -> PrescriptionRequest | HttpResponse:
    obj = prescription_request_get(user=request.user, id=id)
    if obj is None:
        return render(request, "console/not_found.html", status=404)
    return obj


def _detail(
    request: HttpRequest, obj: PrescriptionRequest, form: ReviewForm, status: int = 200
) -> HttpResponse:
    decision = obj.decision or {}
    context = {
        "obj": obj,
        "form": form,
        "segments": symptom_segments(obj.symptoms),
        "reasons": decision.get("reasons") or [],
        "medications": decision.get("medications") or [],
        "is_open": obj.status in (Status.PENDING, Status.ESCALATED),
        "own": obj.requester_id == request.user.pk,
        "history": _history(obj),
    }
    return render(request, "console/request.html", context, status=status)


def _history(obj: PrescriptionRequest) -> list[dict[str, Any]]:
    """What happened to the request, oldest first, from its audit history (django-simple-history)."""
    records = obj.history.order_by("history_date", "history_id").select_related("history_user")
    return [
        {
            "when": record.history_date,
            "who": getattr(record.history_user, "username", "") or "",
            "what": f"{record.get_history_type_display()}: {record.status}, {record.route} route",
        }
        for record in records
    ]


def _fresh_form(obj: PrescriptionRequest) -> ReviewForm:
    """An empty review form that remembers the status the reviewer is looking at."""
    return ReviewForm(initial={"seen_status": obj.status})


@require_GET
@clinician_required
def request_detail(request: HttpRequest, id: int) -> HttpResponse:
    obj = _request_or_404(request, id)
    if isinstance(obj, HttpResponse):
        return obj
    return _detail(request, obj, _fresh_form(obj))


def _outcome_text(obj: PrescriptionRequest) -> str:
    who = getattr(obj.reviewed_by, "username", "") or "another reviewer"
    return f"{obj.get_status_display()} by {who}"


@require_POST
@clinician_required
def request_review(request: HttpRequest, id: int) -> HttpResponse:
    """Approve, decline or escalate through the triage service (its permissions, its row lock)."""
    obj = _request_or_404(request, id)
    if isinstance(obj, HttpResponse):
        return obj
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, obj, form, status=400)
    seen = form.cleaned_data.get("seen_status")
    if seen and seen != obj.status:
        messages.error(
            request,
            f"While you were reading, this request was {_outcome_text(obj).lower()}. Nothing was changed.",
        )
        return _detail(request, obj, _fresh_form(obj), status=409)
    try:
        done = prescription_request_review(
            request_obj=obj,
            reviewer=request.user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            clinician_note=form.cleaned_data["clinician_note"],
        )
    except ReviewForbidden as exc:
        messages.error(request, str(exc))
        return _detail(request, obj, form, status=403)
    except ReviewFinal:
        obj.refresh_from_db()
        messages.error(
            request, f"This request was already {_outcome_text(obj).lower()}. Nothing was changed."
        )
        return _detail(request, obj, _fresh_form(obj), status=409)
    messages.success(request, f"Request {done.pk}: {done.get_status_display().lower()}.")
    return redirect("console:queue")


def pharmacist_required(view: View) -> View:
    """The curation pages: pharmacists only (doctors are refused, like everyone else)."""

    @wraps(view)
    @clinician_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if user_role(user=request.user) != "pharmacist":
            return render(request, "console/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@pharmacist_required
def curation(request: HttpRequest) -> HttpResponse:
    """Names from traffic that resolved to nothing or needed confirmation, most seen first."""
    items = curation_list(min_count=1, limit=200)
    rows = [
        (item, CurationApproveForm(initial={"key": item.key, "drug": (item.candidates or [""])[0]}))
        for item in items
    ]
    return render(request, "console/curation.html", {"rows": rows})


@require_POST
@pharmacist_required
def curation_decide(request: HttpRequest, action: str) -> HttpResponse:
    """Approve a key as a name of a medicine (through the formulary write path) or reject it."""
    form = (CurationApproveForm if action == "approve" else CurationRejectForm)(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the form: " + form.errors.as_text())
        return redirect("console:curation")
    data, who = form.cleaned_data, request.user.get_username()
    try:
        if action == "approve":
            curation_approve(key=data["key"], generic_name=data["drug"], kind=data["kind"], decided_by=who)
            messages.success(request, f"'{data['key']}' is now a {data['kind']} name of {data['drug']}.")
        else:
            curation_reject(key=data["key"], decided_by=who)
            messages.success(request, f"'{data['key']}' is recorded as not a medicine.")
    except CurationError as exc:
        messages.error(request, str(exc))
    return redirect("console:curation")
