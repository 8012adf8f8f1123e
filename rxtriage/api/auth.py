"""Bearer-token authentication (tokens stored hashed by django-rest-knox)."""

from knox.auth import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>``."""
