"""Account writes: users with a role, and their API tokens (django-rest-knox, stored hashed).

A role is never changed by accident: ``account_ensure`` refuses to give an existing account another
role unless asked to (``change_role=True``), because every token the user already holds carries the new
role at once.  Tokens expire after ``RXTRIAGE_TOKEN_TTL_DAYS`` unless created with ``never_expires``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from knox.models import AuthToken
from knox.settings import CONSTANTS

from rxtriage.api.models import Account, Role

__all__ = [
    "MIN_TOKEN_PREFIX",
    "RoleChangeRefused",
    "TokenPrefixAmbiguous",
    "account_ensure",
    "token_create",
    "token_revoke",
    "tokens_revoke",
]

MIN_TOKEN_PREFIX = 8


class RoleChangeRefused(Exception):
    """The user exists with another role and the caller did not ask for a role change."""

    def __init__(self, *, username: str, current: str, wanted: str) -> None:
        super().__init__(
            f"{username} already has the role {current}; giving them the role {wanted} also gives it to "
            f"every token they hold. Pass --change-role to change it."
        )
        self.current, self.wanted = current, wanted


class TokenPrefixAmbiguous(Exception):
    """A token prefix that matches more than one token."""


def account_ensure(*, username: str, role: str, change_role: bool = False) -> Any:
    """The user called ``username`` with ``role``, created (without a usable password) if needed.

    An existing account keeps its role unless ``change_role`` is true (``RoleChangeRefused``).
    """
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
        account = Account.objects.select_for_update().filter(user=user).first()
        if account is None:
            Account.objects.create(user=user, role=role)
        elif account.role != role:
            if not change_role:
                raise RoleChangeRefused(username=username, current=account.role, wanted=role)
            account.role = role
            account.save(update_fields=["role"])
    return user


def token_create(*, user: Any, expires_days: float | None = None, never_expires: bool = False) -> str:
    """A new API token for ``user`` (only its hash is stored).

    It expires after ``expires_days``, by default after ``RXTRIAGE_TOKEN_TTL_DAYS``; only
    ``never_expires=True`` makes a token that never expires.
    """
    if never_expires:
        _, token = AuthToken.objects.create(user=user, expiry=None)
    elif expires_days is not None:
        _, token = AuthToken.objects.create(user=user, expiry=timedelta(days=expires_days))
    else:
        _, token = AuthToken.objects.create(user=user)  # knox's TOKEN_TTL, from RXTRIAGE_TOKEN_TTL_DAYS
    return token


def token_revoke(*, prefix: str) -> int:
    """Revoke the one token whose key starts with ``prefix`` (at least 8 characters; the whole token
    works too); returns 1, or 0 when no token matches.  A prefix matching several tokens revokes
    nothing (``TokenPrefixAmbiguous``)."""
    key = prefix.strip()[: CONSTANTS.TOKEN_KEY_LENGTH]
    if len(key) < MIN_TOKEN_PREFIX:
        raise ValueError(f"a token prefix has at least {MIN_TOKEN_PREFIX} characters")
    with transaction.atomic():
        digests = list(
            AuthToken.objects.filter(token_key__startswith=key).values_list("digest", flat=True)[:2]
        )
        if len(digests) > 1:
            raise TokenPrefixAmbiguous(f"{key} matches more than one token; give more of it")
        deleted, _ = AuthToken.objects.filter(digest__in=digests).delete()
    return deleted


def tokens_revoke(*, user: Any) -> int:
    """Revoke every token of ``user``; returns how many were revoked."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
