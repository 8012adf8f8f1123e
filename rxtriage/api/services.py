"""Account writes: users with a role, and their API tokens (django-rest-knox, stored hashed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from knox.models import AuthToken

from rxtriage.api.models import Account, Role

__all__ = ["account_ensure", "token_create", "tokens_revoke"]


def account_ensure(*, username: str, role: str) -> Any:
    """The user called ``username`` with ``role``, created (without a usable password) if needed."""
    role = Role(role).value
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    assert isinstance(field, models.Field)
    field.run_validators(username)
    if not username or len(username) > (field.max_length or 150):
        raise ValidationError("Usernames are 1 to 150 characters.")
    lookup: dict[str, Any] = {user_model.USERNAME_FIELD: username}
    with transaction.atomic():
        user, created = user_model.objects.get_or_create(defaults=None, **lookup)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Account.objects.update_or_create(user=user, defaults={"role": role})
    return user


def token_create(*, user: Any, expires_days: float | None = None) -> str:
    """A new API token for ``user`` (only its hash is stored); ``None`` days means no expiry."""
    expiry = timedelta(days=expires_days) if expires_days is not None else None
    _, token = AuthToken.objects.create(user=user, expiry=expiry)
    return token


def tokens_revoke(*, user: Any) -> int:
    """Revoke every token of ``user``; returns how many were revoked."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
