from django.apps import AppConfig


class LookupConfig(AppConfig):
    name = "rxtriage.lookup"
    label = "lookup"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rxtriage.formulary.routers import enforced_version_source_set
        from rxtriage.formulary.services import on_version_change
        from rxtriage.lookup.cache import drug_cache

        on_version_change(listener=drug_cache.on_version_change)
        enforced_version_source_set(source=drug_cache.version)
