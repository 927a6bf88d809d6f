"""The audit logs, read-only: every comment with the decisions on it, the log of
those decisions, and the log of changes to the site policy and the active model."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from discussion.admin import CommentAdmin
from discussion.models import Comment
from moderation.models import AuditEntry, SettingsAuditEntry
from web.formats import percent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs: read, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def status_label(status: str) -> str:
    """A comment status as moderators read it (the stored value if it is no longer one)."""
    return str(Comment.Status(status).label) if status in Comment.Status.values else status


class ToStatusFilter(admin.SimpleListFilter):
    title = _("to status")
    parameter_name = "to_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Comment.Status.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(to_status=self.value()) if self.value() else queryset


class EntryScoreShown:
    @admin.display(description=_("score"), ordering="score")
    def entry_score(self, obj: AuditEntry) -> str:
        return percent(obj.score)

    @admin.display(description=_("status change"), ordering="to_status")
    def status_change(self, obj: AuditEntry) -> str:
        return f"{status_label(obj.from_status)} → {status_label(obj.to_status)}"


class AuditEntryInline(EntryScoreShown, admin.TabularInline):
    model = AuditEntry
    fk_name = "comment"
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "actor",
        "model_version",
        "moderator",
        "status_change",
        "reason",
        "entry_score",
    )
    readonly_fields = fields
    verbose_name_plural = _("decisions (audit log)")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).select_related("model_version", "moderator")


admin.site.unregister(Comment)


@admin.register(Comment)
class CommentWithHistoryAdmin(CommentAdmin):
    """Every comment with its decisions: who decided, when and why."""

    inlines = [AuditEntryInline, *CommentAdmin.inlines]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a comment is removed by a decision, which keeps its history


@admin.register(AuditEntry)
class AuditEntryAdmin(EntryScoreShown, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "comment",
        "actor",
        "status_change",
        "reason",
        "entry_score",
        "explanation",
        "model_version",
        "moderator",
    ]
    list_filter = ["actor", ToStatusFilter]
    list_select_related = ["comment", "model_version", "moderator"]
    search_fields = ["=comment__id", "reason"]

    @admin.display(description=_("words that raised the score"))
    def explanation(self, obj: AuditEntry) -> str:
        """The model's explanation and its likeliest fine label, as plain (escaped) text."""
        words = ", ".join(
            f"{item['feature']} (+{item['weight']:.2f})"
            for item in (obj.details or {}).get("explanation", [])[:4]
        )
        fine: dict[str, float] = (obj.details or {}).get("fine_scores") or {}
        if fine:
            label = max(fine, key=fine.__getitem__)
            words = f"{words} · {label} {fine[label]:.2f}" if words else f"{label} {fine[label]:.2f}"
        return words or "–"


@admin.register(SettingsAuditEntry)
class SettingsAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "changed", "reason", "source", "user"]
    list_filter = ["subject", "source"]
    list_select_related = ["user"]

    @admin.display(description=_("changes"))
    def changed(self, obj: SettingsAuditEntry) -> str:
        return "; ".join(
            f"{name}: {change['before']} → {change['after']}" for name, change in obj.changes.items()
        )
