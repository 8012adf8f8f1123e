"""OpenAPI extensions: the Bearer-token security scheme, and public schema views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import permissions

__all__ = ["BearerTokenScheme", "SchemaView", "SwaggerView"]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer <token>`` in the schema's ``securitySchemes``."""

    target_class = "rxtriage.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: public (it describes the API, it holds no data)."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI over the schema (the UI itself asks for the token to call operations)."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
