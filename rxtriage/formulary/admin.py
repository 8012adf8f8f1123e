"""Admin for the formulary.  Saving and deleting go through the services, so the names index and the
formulary version stay in step.  Each medicine's history (django-simple-history) shows who changed
what, and when; reverting from the history is off (``SIMPLE_HISTORY_REVERT_DISABLED``), since a revert
would not go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from rxtriage.formulary.models import Drug, DrugName
from rxtriage.formulary.services import drug_delete, drug_save
from rxtriage.lookup.keys import name_key


class DrugNameInline(admin.TabularInline):
    model = DrugName
    extra = 0
    can_delete = False
    readonly_fields = ("name", "text", "kind")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Drug)
class DrugAdmin(SimpleHistoryAdmin):
    """Medicines, with their history: who changed a schedule or a flag, and when."""

    list_display = (
        "generic_name",
        "display_name",
        "schedule",
        "controlled_basis",
        "high_alert",
        "drug_class",
        "atc_code",
        "is_active",
    )
    list_filter = ("schedule", "high_alert", "is_active", "aware", "eml", "drug_class")
    search_fields = ("generic_name", "display_name", "atc_code")
    readonly_fields = ("updated_at",)
    inlines = [DrugNameInline]
    history_list_display = ["schedule", "controlled_basis", "high_alert", "is_active"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Drug], search_term: str
    ) -> tuple[QuerySet[Drug], bool]:
        """Search by any name of the names index (brand, synonym, abbreviation...) too."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = name_key(search_term)
        if key:
            by_name = queryset.filter(names__name__startswith=key)
            results = (results | by_name).distinct()
            may_have_duplicates = False
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Drug, form: Any, change: bool) -> None:
        drug_save(drug=obj)

    def delete_model(self, request: HttpRequest, obj: Drug) -> None:
        drug_delete(drug=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Drug]) -> None:
        for drug in queryset:
            drug_delete(drug=drug)
