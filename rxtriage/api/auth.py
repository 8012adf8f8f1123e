"""Bearer-token authentication: ``Authorization: Bearer <token>``.

Tokens are django-rest-knox ``AuthToken`` rows: stored hashed, with an optional expiry, revocable
(delete the row), several per user.  This class only hardens knox's parsing: a token that is not
printable ASCII of a sane length is refused as ``authentication_failed`` before any query, so junk
headers (NUL characters, non-UTF-8 bytes, megabyte tokens) are a 401, never a 500.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.request import Request

__all__ = ["BearerTokenAuthentication"]

_TOKEN = re.compile(r"[\x21-\x7e]{16,256}")


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>`` (the prefix comes from ``REST_KNOX["AUTH_HEADER_PREFIX"]``)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not _TOKEN.fullmatch(text):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: Any) -> bool:
        """Refuse (and delete) this token if it has expired.

        knox also scans every other token of the user on every request, one more query per call; an
        expired token is refused when it is presented, so that scan buys nothing here."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
