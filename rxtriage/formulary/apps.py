from django.apps import AppConfig


class FormularyConfig(AppConfig):
    name = "rxtriage.formulary"
    label = "formulary"
    default_auto_field = "django.db.models.BigAutoField"
