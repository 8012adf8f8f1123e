"""Admin for accounts: every user's role, with the history of role changes (who, when)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from rxtriage.api.models import Account


@admin.register(Account)
class AccountAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


class AccountInline(admin.StackedInline):
    model = Account
    can_delete = False
    extra = 0
    fields = ("role",)


class UserWithRoleAdmin(UserAdmin):
    """Django's user admin plus the rxtriage role."""

    inlines = [AccountInline]
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "role")

    @admin.display(description="role", ordering="account__role")
    def role(self, obj: object) -> str:
        account = getattr(obj, "account", None)
        return account.role if account is not None else "patient (no account)"


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserWithRoleAdmin)
