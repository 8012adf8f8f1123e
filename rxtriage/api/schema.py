"""OpenAPI extensions: the Bearer-token security scheme, and the schema views.

Like every endpoint but health, the schema and its Swagger UI need a Bearer token (design.md section
7); ``RXTRIAGE_PUBLIC_SCHEMA=1`` opens them to anonymous readers.
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
    """Swagger UI over the schema."""

    permission_classes = [SchemaPermission]
