from django.apps import AppConfig


class LookupConfig(AppConfig):
    name = "rxtriage.lookup"
    label = "lookup"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rxtriage.formulary.services import on_version_change
        from rxtriage.lookup.cache import drug_cache

        on_version_change(listener=drug_cache.on_version_change)
