from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rxtriage.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rxtriage.api import schema  # noqa: F401  (registers the OpenAPI extensions)
