"""Triage writes: decide a request, save it with its decision, review it.

``triage_request`` decides without saving (used by ``rxtriage triage`` and the seed system's
``categorize_prescription_request``); ``prescription_request_create`` decides and saves the request,
its medication lines and the decision in one transaction, so a failure leaves nothing half-saved.
Every path calls ``lookup_many`` exactly once for all the medications of a request.
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
from rxtriage.ops.metrics import TRIAGE_DECISIONS
from rxtriage.triage.models import MedicationLine, PrescriptionRequest, ReviewDecision, Route, Status
from rxtriage.triage.rules import decide
from rxtriage.triage.selectors import user_role
from rxtriage.triage.types import Decision, TriageInput

__all__ = [
    "ReviewFinal",
    "ReviewForbidden",
    "SelfReviewForbidden",
    "categorize_prescription_request",
    "prescription_counts_refresh",
    "prescription_request_create",
    "prescription_request_review",
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


def _triage(payload: Mapping[str, Any]) -> tuple[TriageInput, list[LookupResult], Decision]:
    """Read the request, resolve all its medications in ONE lookup, decide."""
    request = TriageInput.from_payload(payload)
    results = lookup_many(request.names)
    decision = decide(request=request, results=results)
    logger.debug("triage decision: route=%s reasons=%s", decision.route, decision.codes)
    return request, results, decision


def triage_request(*, payload: Mapping[str, Any]) -> Decision:
    """The decision for a request in the HTTP body's shape (nothing is saved)."""
    return _triage(payload)[2]


def _payload_of(request: Any) -> dict[str, Any]:
    """The HTTP body shape of a payload dict, a saved request, or a seed-style request object."""
    if isinstance(request, Mapping):
        return dict(request)
    raw = getattr(request, "raw", None)
    if isinstance(raw, Mapping):
        return dict(raw)
    medications = []
    for item in getattr(request, "medications", None) or []:
        if isinstance(item, str):
            medications.append({"medicationName": item})
        elif isinstance(item, Mapping):
            medications.append(dict(item))
        else:
            name = getattr(item, "medicationName", None) or getattr(item, "medication_name", None)
            medications.append(
                {
                    "medicationName": name or getattr(item, "name", "") or "",
                    "strength": getattr(item, "strength", "") or "",
                    "form": getattr(item, "form", "") or "",
                    "dosage": getattr(item, "dosage", "") or "",
                }
            )
    return {
        "medications": medications,
        "symptoms": getattr(request, "symptoms", "") or "",
        "duration": getattr(request, "duration", "") or "",
    }


def categorize_prescription_request(request: Any) -> dict[str, Any]:
    """The seed system's name: the decision (as a dict) for a payload dict or a request-like object."""
    return triage_request(payload=_payload_of(request)).as_dict()


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
    request, results, decision = _triage(payload)
    items = list(payload.get("medications") or [])
    with transaction.atomic():
        obj = PrescriptionRequest.objects.create(
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
        for line in lines:
            line.request = obj
        MedicationLine.objects.bulk_create(lines)
        # the curation loop: one statement in a savepoint of this transaction (no commit of its own);
        # it never raises, and a failure rolls back only the savepoint
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
    role = user_role(reviewer)
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
