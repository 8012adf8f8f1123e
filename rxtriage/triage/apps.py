from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "rxtriage.triage"
    label = "triage"
    default_auto_field = "django.db.models.BigAutoField"
