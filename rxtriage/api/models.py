"""API accounts: the role of each user (patient, pharmacist, doctor).

Tokens themselves are django-rest-knox's ``AuthToken`` (stored hashed, with an expiry, revocable,
several per user); this module only adds the role the API's permissions read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

__all__ = ["Account", "Role"]


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    PHARMACIST = "pharmacist", "Pharmacist"
    DOCTOR = "doctor", "Doctor"


class Account(models.Model):
    """One user's role in rxtriage.  A user without an account is treated as a patient."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PATIENT)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()  # who changed a role, and when

    def __str__(self) -> str:
        return f"account {self.pk} ({self.role})"
