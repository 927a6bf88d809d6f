"""Which newsroom sections each moderator looks after (administrators assign them)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from moderation.models import ModeratorSection


@admin.register(ModeratorSection)
class ModeratorSectionAdmin(admin.ModelAdmin):
    list_display = ["user", "section"]
    list_filter = ["section"]
    search_fields = ["user__username", "section"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModeratorSection]:
        return super().get_queryset(request).select_related("user")
