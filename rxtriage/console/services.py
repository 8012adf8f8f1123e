"""Console writes that are not reviews: a clinician's password (reviews go through the triage service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from rxtriage.triage.selectors import user_role

__all__ = ["CLINICIAN_ROLES", "clinician_password_set", "is_clinician"]

CLINICIAN_ROLES = frozenset({"pharmacist", "doctor"})


def is_clinician(user: Any) -> bool:
    """Whether ``user`` may use the console: an active pharmacist or doctor."""
    return bool(getattr(user, "is_active", False)) and user_role(user=user) in CLINICIAN_ROLES


def clinician_password_set(*, username: str, password: str) -> Any:
    """Set the console password of a pharmacist or doctor, after Django's password validators.

    Accounts and roles come from ``create_token``; patients have no console password.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        raise ValidationError(f"There is no user called {username!r} (create it with create_token).")
    if user_role(user=user) not in CLINICIAN_ROLES:
        raise ValidationError("Only pharmacists and doctors sign in to the console.")
    validate_password(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
