"""Prescription requests and their medication lines: the only place patient data lives.

Written through ``rxtriage.triage.services`` only (one transaction per request: the request, its lines
and its decision are saved together or not at all); read through ``rxtriage.triage.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

__all__ = ["MedicationLine", "PrescriptionRequest", "ReviewDecision", "Route", "Status"]


class Route(models.TextChoices):
    URGENT = "urgent", "Urgent care"
    DOCTOR = "doctor", "Doctor"
    PHARMACIST = "pharmacist", "Pharmacist"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    ESCALATED = "escalated", "Escalated"


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    DECLINE = "decline", "Decline"
    ESCALATE = "escalate", "Escalate"


class PrescriptionRequest(models.Model):
    """A patient's request: what they sent, where triage routed it, and its review."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescription_requests"
    )
    raw = models.JSONField(help_text="The request body as sent (validated).")
    symptoms = models.TextField(blank=True)
    duration = models.CharField(max_length=200, blank=True)
    route = models.CharField(max_length=12, choices=Route.choices)
    urgent = models.BooleanField(default=False)
    requires_doctor = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decision = models.JSONField(help_text="The triage decision: route, flags, reasons, red flags.")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_prescription_requests",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_decision = models.CharField(max_length=12, choices=ReviewDecision.choices, blank=True)
    review_note = models.TextField(blank=True, help_text="The reviewer's note to the patient.")
    clinician_note = models.TextField(
        blank=True, help_text="The reviewer's private note for other clinicians; never shown to the patient."
    )
    # The audit trail: every change of status, route and review, with who and when.  The request's
    # patient data (body, symptoms, decision) is not copied into the history.
    history = HistoricalRecords(excluded_fields=["raw", "symptoms", "duration", "decision"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["route", "status", "created_at"], name="rxreq_route_status_created_idx"),
            models.Index(fields=["requester", "created_at"], name="rxreq_requester_created_idx"),
        ]

    def __str__(self) -> str:
        return f"prescription request {self.pk} ({self.route}, {self.status})"


class MedicationLine(models.Model):
    """One medication of a request, as typed, with its resolution against the formulary."""

    request = models.ForeignKey(PrescriptionRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200, help_text="The medication name as typed.")
    strength = models.CharField(max_length=100, blank=True)
    form = models.CharField(max_length=100, blank=True)
    dosage = models.CharField(max_length=500, blank=True)
    normalized = models.TextField(blank=True)
    match = models.CharField(max_length=20)
    score = models.FloatField(default=0.0)
    confirm = models.BooleanField(default=False)
    drug = models.ForeignKey(
        "formulary.Drug", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generic_name = models.CharField(max_length=200, blank=True, help_text="Snapshot at triage time.")
    schedule = models.CharField(max_length=12, blank=True, help_text="Snapshot at triage time.")

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="rxline_request_position_uniq")
        ]

    def __str__(self) -> str:
        return f"line {self.position} of request {self.request_id}"
