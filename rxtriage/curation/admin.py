"""Admin for pharmacists: the counted keys, with actions that approve (through the formulary write path)
or reject them.  Pick the medicine and the kind in the list, then run "Approve"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from rxtriage.curation.models import CurationKind, CurationStatus, UnresolvedName
from rxtriage.curation.services import CurationError, curation_approve, curation_reject


@admin.register(UnresolvedName)
class UnresolvedNameAdmin(admin.ModelAdmin):
    list_display = ("key", "count", "candidates", "last_seen", "status", "drug", "kind")
    list_editable = ("drug", "kind")
    list_filter = ("status", "kind")
    search_fields = ("key",)
    autocomplete_fields = ("drug",)
    readonly_fields = (
        "key",
        "count",
        "first_seen",
        "last_seen",
        "candidates",
        "last_match",
        "status",
        "decided_at",
        "decided_by",
    )
    actions = ("approve_selected", "reject_selected")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys come from traffic; decide them here

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnresolvedName]:
        return super().get_queryset(request).select_related("drug")

    @admin.action(description="Approve as a name of the chosen medicine (brand unless a kind is chosen)")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[UnresolvedName]) -> None:
        done = 0
        for row in queryset:
            if row.drug is None:
                self.message_user(request, f"'{row.key}': choose the medicine first.", messages.WARNING)
                continue
            try:
                curation_approve(
                    key=row.key,
                    generic_name=row.drug.generic_name,
                    kind=row.kind or CurationKind.BRAND,
                    decided_by=request.user.get_username(),
                )
                done += 1
            except CurationError as exc:
                self.message_user(request, f"'{row.key}': {exc}", messages.ERROR)
        if done:
            self.message_user(
                request, f"{done} name(s) approved; every worker resolves them within a second."
            )

    @admin.action(description="Reject: not a medicine")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[UnresolvedName]) -> None:
        done = 0
        for row in queryset.exclude(status=CurationStatus.APPROVED):
            curation_reject(key=row.key, decided_by=request.user.get_username())
            done += 1
        self.message_user(request, f"{done} name(s) rejected.")

    def save_model(self, request: HttpRequest, obj: UnresolvedName, form: Any, change: bool) -> None:
        """Only the chosen medicine and kind are saved here; decisions go through the actions."""
        UnresolvedName.objects.filter(pk=obj.pk).update(drug=obj.drug, kind=obj.kind)
