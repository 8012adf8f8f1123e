from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "rxtriage.curation"
    label = "curation"
    verbose_name = "Name curation"
    default_auto_field = "django.db.models.BigAutoField"
