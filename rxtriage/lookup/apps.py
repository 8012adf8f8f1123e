from django.apps import AppConfig


class LookupConfig(AppConfig):
    name = "rxtriage.lookup"
    label = "lookup"
    default_auto_field = "django.db.models.BigAutoField"
