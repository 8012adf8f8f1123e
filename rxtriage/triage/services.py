"""Triage writes: decide a request, save it with its decision, review it.

``triage_decide`` decides a ``TriageInput`` without saving (used by ``rxtriage triage``);
``triage_request`` does the same for a validated body in the HTTP shape (and backs the seed system's
``categorize_prescription_request`` in ``rxtriage.compat``); ``prescription_request_create`` decides
and saves the request, its medication lines and the decision in one transaction, so a failure leaves
nothing half-saved.  Every path calls ``lookup_many`` exactly once for all the medications of a request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from rxtriage.curation.services import unresolved_names_record
from rxtriage.lookup.api import lookup_many
from rxtriage.lookup.types import LookupResult
from rxtriage.metrics import TRIAGE_DECISIONS
from rxtriage.triage.models import MedicationLine, PrescriptionRequest, ReviewDecision, Route, Status
from rxtriage.triage.rules import decide
from rxtriage.triage.selectors import user_role
from rxtriage.triage.types import Decision, TriageInput
from rxtriage.triage.writes import prescription_request_insert

__all__ = [
    "ReviewFinal",
    "ReviewForbidden",
    "SelfReviewForbidden",
    "prescription_counts_refresh",
    "prescription_request_create",
    "prescription_request_review",
    "triage_decide",
    "triage_request",
]

logger = logging.getLogger(__name__)

REVIEWER_ROLES = frozenset({"pharmacist", "doctor"})

_STATUS_AFTER = {
    ReviewDecision.APPROVE: Status.APPROVED,
    ReviewDecision.DECLINE: Status.DECLINED,
    ReviewDecision.ESCALATE: Status.ESCALATED,
}
# Escalation moves a request one level up: a pharmacist hands it to a doctor, a doctor to urgent care.
_ESCALATED_ROUTE = {Route.PHARMACIST: Route.DOCTOR, Route.DOCTOR: Route.URGENT, Route.URGENT: Route.URGENT}
_FINAL = frozenset({Status.APPROVED, Status.DECLINED})


class ReviewForbidden(Exception):
    """The reviewer's role may not review this request."""


class SelfReviewForbidden(ReviewForbidden):
    """Nobody reviews a request they sent themselves, whatever their role (HTTP 403 self_review_forbidden)."""


class ReviewFinal(Exception):
    """The request was already approved or declined."""


def _triage(request: TriageInput) -> tuple[list[LookupResult], Decision]:
    """Resolve all the request's medications in ONE lookup, decide."""
    results = lookup_many(names=request.names)
    decision = decide(request=request, results=results)
    logger.debug("triage decision: route=%s reasons=%s", decision.route, decision.codes)
    return results, decision


def triage_decide(*, request: TriageInput) -> Decision:
    """The decision for a request (nothing is saved); see :meth:`TriageInput.parse` for raw input."""
    return _triage(request)[1]


def triage_request(*, payload: Mapping[str, Any]) -> Decision:
    """The decision for a request in the HTTP body's shape, already validated (nothing is saved)."""
    return triage_decide(request=TriageInput.from_payload(payload))


def _line(position: int, item: Mapping[str, Any], result: LookupResult) -> MedicationLine:
    drug = result.drug
    return MedicationLine(
        position=position,
        name=str(item.get("medicationName") or ""),
        strength=str(item.get("strength") or ""),
        form=str(item.get("form") or ""),
        dosage=str(item.get("dosage") or ""),
        normalized=result.normalized,
        match=result.match,
        score=float(result.score),
        confirm=bool(result.confirm),
        drug_id=drug["id"] if drug else None,
        generic_name=drug["generic_name"] if drug else "",
        schedule=drug["schedule"] if drug else "",
    )


def prescription_request_create(
    *, user: Any, payload: Mapping[str, Any], raw: Mapping[str, Any] | None = None
) -> PrescriptionRequest:
    """Triage a validated request and save it, its lines and its decision in one transaction.

    ``payload`` is the validated body; ``raw`` the body exactly as sent (defaults to ``payload``).
    """
    request = TriageInput.from_payload(payload)
    results, decision = _triage(request)
    items = list(payload.get("medications") or [])
    obj = PrescriptionRequest(
        requester=user,
        raw=dict(payload if raw is None else raw),
        symptoms=request.symptoms,
        duration=request.duration,
        route=decision.route,
        urgent=decision.urgent,
        requires_doctor=decision.requires_doctor,
        status=Status.PENDING,
        decision=decision.as_dict(),
    )
    lines = [_line(i, item, result) for i, (item, result) in enumerate(zip(items, results, strict=True))]
    prescription_request_insert(obj=obj, lines=lines)
    # the curation loop, once the request is saved: one statement (only when a name needs curation), in a
    # transaction of its own; it never raises.  Saving the request stays one statement for the common
    # request whose names all resolved.
    unresolved_names_record(results=results)
    TRIAGE_DECISIONS.labels(route=decision.route).inc()
    return obj


def prescription_request_review(
    *,
    request_obj: PrescriptionRequest,
    reviewer: Any,
    decision: str,
    note: str = "",
    clinician_note: str = "",
) -> PrescriptionRequest:
    """Record a pharmacist's or doctor's review: who, when, what, and the new status.

    Pharmacists review requests on the pharmacist route; doctors review any.  Nobody reviews a request
    they sent (``SelfReviewForbidden``), whatever their role and whichever path calls this.  Approved
    and declined are final; an escalated request stays open and moves one level up (pharmacist ->
    doctor -> urgent).  ``note`` is shown to the patient; ``clinician_note`` only to reviewers.  The
    row is locked while it is updated, so two reviewers cannot both win.
    """
    role = user_role(user=reviewer)
    if role not in REVIEWER_ROLES:
        raise ReviewForbidden("Only pharmacists and doctors review requests.")
    choice = ReviewDecision(decision)
    with transaction.atomic():
        obj = PrescriptionRequest.objects.select_for_update().get(pk=request_obj.pk)
        if obj.requester_id == reviewer.pk:
            raise SelfReviewForbidden("Nobody may review a request they sent themselves.")
        if role == "pharmacist" and obj.route != Route.PHARMACIST:
            raise ReviewForbidden("Pharmacists review requests on the pharmacist route only.")
        if obj.status in _FINAL:
            raise ReviewFinal("This request has already been reviewed.")
        obj.status = _STATUS_AFTER[choice]
        if choice == ReviewDecision.ESCALATE:
            obj.route = _ESCALATED_ROUTE[Route(obj.route)]
            obj.urgent = obj.route == Route.URGENT
            obj.requires_doctor = True
        obj.reviewed_by = reviewer
        obj.reviewed_at = timezone.now()
        obj.review_decision = choice.value
        obj.review_note = note
        obj.clinician_note = clinician_note
        obj._history_user = reviewer  # type: ignore[attr-defined]  # the audit trail's "who"
        obj.save(
            update_fields=[
                "status",
                "route",
                "urgent",
                "requires_doctor",
                "reviewed_by",
                "reviewed_at",
                "review_decision",
                "review_note",
                "clinician_note",
            ]
        )
    return obj


@transaction.atomic
def prescription_counts_refresh() -> int:
    """Set each medicine's ``prescription_count`` to the number of stored medication lines resolved to
    it (what ``warm_drug_cache --top N`` ranks by).  Not a formulary change: no version bump, no cache
    invalidation.  Returns the number of medicines whose count changed."""
    from django.db.models import Count

    from rxtriage.formulary.models import Drug

    used = dict(
        MedicationLine.objects.filter(drug__isnull=False)
        .values_list("drug")
        .annotate(n=Count("id"))
        .order_by()
    )
    changed = [
        d for d in Drug.objects.only("id", "prescription_count") if d.prescription_count != used.get(d.pk, 0)
    ]
    for drug in changed:
        drug.prescription_count = used.get(drug.pk, 0)
    Drug.objects.bulk_update(changed, ["prescription_count"], batch_size=500)
    return len(changed)
