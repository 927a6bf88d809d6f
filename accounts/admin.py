from django.contrib import admin
from django.http import HttpRequest

from accounts.models import ReaderProfile


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "banned", "suspended_until", "deleted_at"]
    list_filter = ["banned", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "display_name"]
    # Restrictions are set through accounts.services (reader_ban, reader_suspend, …).
    readonly_fields = [
        "user",
        "suspended_until",
        "suspension_reason",
        "banned",
        "ban_reason",
        "deleted_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
