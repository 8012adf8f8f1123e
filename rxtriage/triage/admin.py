"""Admin for prescription requests: read-only, for audit, with their history (who reviewed what, when).

Requests are written by the triage services only; the admin can look, never change or delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from rxtriage.triage.models import MedicationLine, PrescriptionRequest


class ReadOnlyMixin:
    """Viewable by staff with the view permission; no add, change or delete through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MedicationLineInline(ReadOnlyMixin, admin.TabularInline):
    model = MedicationLine
    extra = 0
    fields = ("position", "name", "strength", "form", "dosage", "match", "score", "generic_name", "schedule")
    readonly_fields = fields


@admin.register(PrescriptionRequest)
class PrescriptionRequestAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("id", "route", "status", "urgent", "created_at", "reviewed_by", "reviewed_at")
    list_filter = ("route", "status", "urgent", "review_decision")
    list_select_related = ("reviewed_by",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    inlines = [MedicationLineInline]
    history_list_display = ["status", "route", "review_decision", "reviewed_by"]
