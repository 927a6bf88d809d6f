"""The audit logs, read-only: every comment with the decisions on it, the log of
those decisions, and the log of changes to the site policy and the active model."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from discussion.admin import CommentAdmin
from discussion.models import Comment, status_label
from moderation.admin.reasons import reason_text
from moderation.decisions import comment_feature
from moderation.models import AuditEntry, SettingsAuditEntry
from moderation.permissions import MODERATE
from web.errors import DomainError
from web.formats import percent
from web.requests import AuthenticatedHttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs: read, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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

    @admin.display(description=_("reason"), ordering="reason")
    def reason_shown(self, obj: AuditEntry) -> str:
        return reason_text(obj.reason)


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
        "reason_shown",
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
    list_display = [*CommentAdmin.list_display, "featured"]
    list_filter = [*CommentAdmin.list_filter, ("featured_at", admin.EmptyFieldListFilter)]
    readonly_fields = [*CommentAdmin.readonly_fields, "featured_at", "featured_by"]
    actions = ["feature_selected", "unfeature_selected"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a comment is removed by a decision, which keeps its history

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)

    @admin.display(description=_("editors' pick"), boolean=True, ordering="featured_at")
    def featured(self, obj: Comment) -> bool:
        return obj.featured_at is not None and obj.status == Comment.Status.PUBLISHED

    @admin.action(description=_("Feature selected comments (editors' picks)"), permissions=["moderate"])
    def feature_selected(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Comment]) -> None:
        self._feature(request, queryset, featured=True)

    @admin.action(description=_("Remove selected comments from the editors' picks"), permissions=["moderate"])
    def unfeature_selected(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Comment]) -> None:
        self._feature(request, queryset, featured=False)

    def _feature(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Comment], *, featured: bool
    ) -> None:
        changed, refused = 0, 0
        for comment_id in queryset.values_list("pk", flat=True):
            try:
                entry = comment_feature(comment_id=comment_id, moderator=request.user, featured=featured)
            except DomainError:
                refused += 1  # not published (any more)
                continue
            changed += entry is not None
        message = (
            ngettext("%(n)d comment featured", "%(n)d comments featured", changed)
            if featured
            else ngettext("%(n)d comment no longer featured", "%(n)d comments no longer featured", changed)
        ) % {"n": changed}
        if refused:
            message += ngettext(
                ", %(n)d not published: not featured", ", %(n)d not published: not featured", refused
            ) % {"n": refused}
        self.message_user(request, message, messages.WARNING if refused else messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(EntryScoreShown, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "comment",
        "actor",
        "status_change",
        "reason_shown",
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
    list_display = ["created_at", "subject", "changed", "reason_shown", "source", "user"]
    list_filter = ["subject", "source"]
    list_select_related = ["user"]

    @admin.display(description=_("reason"), ordering="reason")
    def reason_shown(self, obj: SettingsAuditEntry) -> str:
        return reason_text(obj.reason)

    @admin.display(description=_("changes"))
    def changed(self, obj: SettingsAuditEntry) -> str:
        return "; ".join(
            f"{name}: {change['before']} → {change['after']}" for name, change in obj.changes.items()
        )
