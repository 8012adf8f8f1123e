from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "rxtriage.curation"
    label = "curation"
    verbose_name = "Name curation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rxtriage.formulary.services import formulary_loaded

        formulary_loaded.connect(_reapply, dispatch_uid="curation_reapply")


def _reapply(sender: object, **kwargs: object) -> None:
    from rxtriage.curation.services import curation_reapply

    curation_reapply()
