"""Console reads: the reviewer's queue and one request laid out for review.

Both build on ``rxtriage.triage.selectors`` (the same scoping as the API: pharmacists see the pharmacist
route, doctors the doctor and urgent routes) and on the red-flag scanner the triage rules use, so the
console holds no second copy of any rule.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from rxtriage.triage.models import PrescriptionRequest, Route, Status
from rxtriage.triage.redflags import find_red_flags
from rxtriage.triage.selectors import OPEN_STATUSES, prescription_request_list, user_role

__all__ = [
    "OVERDUE_AFTER",
    "QueueFilters",
    "QueueRow",
    "Segment",
    "queue_counts",
    "queue_rows",
    "symptom_segments",
]

#: How long a request may wait on each route before the console highlights it as overdue: a service
#: target of the platform, not a clinical threshold (an urgent request has already told the patient to
#: seek emergency care; it is followed up within minutes).
OVERDUE_AFTER = {
    Route.URGENT: dt.timedelta(minutes=15),
    Route.DOCTOR: dt.timedelta(hours=4),
    Route.PHARMACIST: dt.timedelta(hours=2),
}
OPEN = OPEN_STATUSES
CLOSED = (Status.APPROVED, Status.DECLINED)
STATES = ("open", "closed", "all")


@dataclass(frozen=True)
class QueueFilters:
    route: str | None = None  # one of Route, or None for the reviewer's whole queue
    state: str = "open"  # open | closed | all
    day: dt.date | None = None  # requests sent on this day (the server's time zone)


@dataclass(frozen=True)
class QueueRow:
    request: PrescriptionRequest
    age: dt.timedelta
    overdue: bool

    @property
    def age_text(self) -> str:
        minutes = int(self.age.total_seconds() // 60)
        if minutes < 60:
            return f"{minutes} min"
        hours, minutes = divmod(minutes, 60)
        if hours < 48:
            return f"{hours} h {minutes:02d} min"
        return f"{hours // 24} days"


def _scoped(*, user: Any, filters: QueueFilters) -> QuerySet[PrescriptionRequest]:
    open_only = "open" if filters.state == "open" else None
    queryset = prescription_request_list(user=user, route=filters.route, status=open_only)
    if open_only:  # a clinician's own open requests are another clinician's work, not theirs
        queryset = queryset.exclude(requester=user)
    if filters.state == "closed":
        queryset = queryset.filter(status__in=CLOSED)
    if filters.day is not None:
        queryset = queryset.filter(created_at__date=filters.day)
    return queryset


def queue_rows(*, user: Any, filters: QueueFilters, limit: int = 200) -> list[QueueRow]:
    """The reviewer's queue in the triage selector's order; each row with its age and overdue flag."""
    queryset = _scoped(user=user, filters=filters)[:limit]  # the queue's order: urgent first, then oldest
    now = timezone.now()
    rows = []
    for obj in queryset:
        age = now - obj.created_at
        is_open = obj.status in OPEN
        rows.append(QueueRow(request=obj, age=age, overdue=is_open and age > OVERDUE_AFTER[Route(obj.route)]))
    return rows


def queue_counts(*, user: Any) -> dict[str, int]:
    """Open requests per route in the reviewer's queues (what the tabs show), their own apart."""
    routes = (Route.PHARMACIST,) if user_role(user=user) == "pharmacist" else (Route.URGENT, Route.DOCTOR)
    found = Counter(
        _scoped(user=user, filters=QueueFilters())  # the open queue, as the table shows it
        .filter(route__in=routes)
        .order_by()
        .values_list("route", flat=True)
    )
    return {str(route): found.get(route, 0) for route in routes}


@dataclass(frozen=True)
class Segment:
    """A piece of the symptoms as sent; ``status`` is set where the red-flag scanner found a mention."""

    text: str
    code: str = ""
    status: str = ""


def symptom_segments(text: str) -> list[Segment]:
    """The symptoms cut at the spans of the red-flag findings (overlaps keep the first, longest span)."""
    scan = find_red_flags(text)
    spans = sorted(
        ((f.span[0], f.span[1], f.code, f.status) for f in scan.findings if f.span),
        key=lambda s: (s[0], -(s[1] - s[0])),
    )
    segments: list[Segment] = []
    at = 0
    for start, end, code, status in spans:
        if start < at or end <= start:
            continue
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(Segment(text[start:end], code=code, status=status))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments
