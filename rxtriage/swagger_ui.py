"""Swagger UI's configuration for ``/api/docs/`` (a JavaScript object, as drf-spectacular allows).

The docs page is public and holds no data; the schema it loads needs a Bearer token unless
``RXTRIAGE_PUBLIC_SCHEMA=1``.  drf-spectacular's page adds the token the user entered through the
Authorize button to the schema request (its ``requestInterceptor``) and reloads the schema after each
authorisation.  What it lacks for a Bearer-only API is the first step: while the schema is refused there
is no Authorize button, because the button comes from the schema's ``securitySchemes``.  So a 401 or 403
on the schema request shows a placeholder description that holds only the Bearer scheme; Authorize
then loads the real one.  ``persistAuthorization`` keeps the token across page loads (in the browser's
local storage), so a reload fetches the schema with it at once.

Plain module (no Django imports): settings.py reads it.
"""

from __future__ import annotations

__all__ = ["SWAGGER_UI_SETTINGS_JS"]

SWAGGER_UI_SETTINGS_JS = """{
  deepLinking: true,
  persistAuthorization: true,
  displayOperationId: false,
  responseInterceptor: (response) => {
    if ((response.status === 401 || response.status === 403) && isSchemaUrl(response.url)) {
      setTimeout(() => ui.specActions.updateSpec(JSON.stringify({
        openapi: "3.0.3",
        info: {
          title: "rxtriage API",
          version: "",
          description: "Press Authorize and enter your API token to load the API description."
        },
        paths: {},
        components: {securitySchemes: {bearerAuth: {type: "http", scheme: "bearer"}}},
        security: [{bearerAuth: []}]
      })));
    }
    return response;
  }
}"""
