"""Triage reads: prescription requests, scoped by the reader's role.

* a patient sees their own requests only (another patient's request is "not found");
* a pharmacist's queue is the pharmacist route;
* a doctor's queue is the doctor and urgent routes (a doctor may filter on any route), urgent first,
  then oldest first; a pharmacist's queue is oldest first;
* ``status="open"`` means what a reviewer still has to act on: pending and escalated;
* pharmacists and doctors may open any single request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rxtriage.triage.models import PrescriptionRequest, Route, Status

__all__ = ["OPEN_STATUSES", "prescription_request_get", "prescription_request_list", "user_role"]

DOCTOR_QUEUE = (Route.DOCTOR, Route.URGENT)
OPEN_STATUSES = (Status.PENDING, Status.ESCALATED)
_QUEUE_ORDER = {
    "doctor": ("-urgent", "created_at", "id"),
    "pharmacist": ("created_at", "id"),
}


def user_role(user: Any) -> str:
    """The user's role (``patient`` | ``pharmacist`` | ``doctor``); no account means patient."""
    account = getattr(user, "account", None)
    return str(getattr(account, "role", None) or "patient")


def prescription_request_list(
    *, user: Any, route: str | None = None, status: str | None = None
) -> QuerySet[PrescriptionRequest]:
    """The requests ``user`` may list: their own (patients, newest first) or their queue."""
    role = user_role(user)
    queryset = PrescriptionRequest.objects.all()
    if role == "pharmacist":
        queryset = queryset.filter(route=Route.PHARMACIST)
    elif role == "doctor":
        if route is None:
            queryset = queryset.filter(route__in=DOCTOR_QUEUE)
    else:
        queryset = queryset.filter(requester=user)
    if route is not None:
        queryset = queryset.filter(route=route)
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status is not None:
        queryset = queryset.filter(status=status)
    ordering = _QUEUE_ORDER.get(role, ("-created_at", "-id"))
    return queryset.order_by(*ordering).select_related("reviewed_by").prefetch_related("lines")


def prescription_request_get(*, user: Any, id: int) -> PrescriptionRequest | None:
    """One request ``user`` may see, or ``None`` (also for another patient's request)."""
    queryset = PrescriptionRequest.objects.select_related("reviewed_by").prefetch_related("lines")
    if user_role(user) not in ("pharmacist", "doctor"):
        queryset = queryset.filter(requester=user)
    return queryset.filter(pk=id).first()
