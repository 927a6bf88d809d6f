"""The Perspective-compatible API's keys in the admin: made here (the key is shown
once, in the message after saving; only its hash is kept), switched off with an
action, their use read from the list; and the scores clients suggested, read-only."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from moderation.admin.audit import ReadOnlyAdmin
from moderation.models import AnalysisKey, SuggestedScore
from moderation.perspective.keys import key_assign


@admin.register(AnalysisKey)
class AnalysisKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "is_active",
        "rate_per_minute",
        "allow_suggestions",
        "usage_count",
        "last_used_at",
        "created_at",
    )
    list_filter = ("is_active", "allow_suggestions")
    search_fields = ("name", "prefix")
    fields = ("name", "is_active", "rate_per_minute", "allow_suggestions")
    readonly_fields = ("prefix", "usage_count", "last_used_at", "created_at")
    actions = ("deactivate",)

    def get_fields(self, request: HttpRequest, obj: AnalysisKey | None = None) -> tuple[str, ...]:
        return self.fields if obj is None else (*self.fields, *self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: AnalysisKey, form: ModelForm, change: bool) -> None:
        key = None if change else key_assign(obj)
        super().save_model(request, obj, form, change)
        if key is not None:
            messages.warning(
                request,
                gettext(
                    "The key for %(name)s is %(key)s — copy it now: it is not kept and cannot be shown again."
                )
                % {"name": obj.name, "key": key},
            )

    @admin.action(description=_("Switch the selected keys off"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[AnalysisKey]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d key switched off.", "%(count)d keys switched off.", count) % {"count": count},
        )


@admin.register(SuggestedScore)
class SuggestedScoreAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "offensive", "key", "community_id", "client_token")
    list_filter = ("offensive", "key")
    fields = ("created_at", "offensive", "key", "community_id", "client_token", "text")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SuggestedScore]:
        return super().get_queryset(request).select_related("key")
