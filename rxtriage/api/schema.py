"""OpenAPI extensions: the Bearer-token security scheme, and the schema views.

Like every endpoint but health, the schema needs a Bearer token; ``RXTRIAGE_PUBLIC_SCHEMA=1`` opens it
to anonymous readers.  The Swagger UI page at ``/api/docs/`` is public: it holds no data, its assets
come from the package (drf-spectacular-sidecar, no CDN), and it fetches the schema with the token the
user enters through its Authorize button (see ``rxtriage.swagger_ui``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import permissions
from rest_framework.request import Request

__all__ = ["BearerTokenScheme", "SchemaView", "SwaggerView"]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer <token>`` in the schema's ``securitySchemes``."""

    target_class = "rxtriage.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


class SchemaPermission(permissions.IsAuthenticated):
    """Authenticated, unless ``RXTRIAGE_PUBLIC_SCHEMA`` opens the schema to everyone."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return settings.RXTRIAGE_PUBLIC_SCHEMA or super().has_permission(request, view)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document."""

    permission_classes = [SchemaPermission]


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI over the schema: a public page that holds no data."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    def _get_schema_auth_names(self) -> list[str]:
        """The schemes whose credentials the page adds to its schema request."""
        return [] if settings.RXTRIAGE_PUBLIC_SCHEMA else [BearerTokenScheme.name]
