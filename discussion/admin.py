from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from discussion.models import Comment, CommentRevision, Report
from web.formats import percent


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CommentRevisionInline(_ReadOnlyInline):
    """Earlier texts of an edited comment: what moderators need to judge an edit."""

    model = CommentRevision
    fields = ("revision", "body", "created_at")
    readonly_fields = fields
    verbose_name = _("earlier text")
    verbose_name_plural = _("edit history")


class ReportInline(_ReadOnlyInline):
    model = Report
    fields = ("created_at", "reporter", "reason", "note", "comment_revision", "resolved_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).select_related("reporter")


class ScoreShown:
    """The column and field ``score_percent``: the model's score as a percentage in
    the page's language ("7 %")."""

    @admin.display(description=_("score"), ordering="score")
    def score_percent(self, obj: Comment) -> str:
        return percent(obj.score)


@admin.register(Comment)
class CommentAdmin(ScoreShown, admin.ModelAdmin):
    list_display = [
        "id",
        "article",
        "author",
        "status",
        "score_percent",
        "like_count",
        "report_count",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["article", "author"]
    search_fields = ["body", "author__username"]
    readonly_fields = [
        "article",
        "author",
        "parent",
        "root",
        "depth",
        "body",
        "status",
        "revision",
        "score_percent",
        "like_count",
        "report_count",
        "created_at",
        "edited_at",
        "status_changed_at",
    ]
    inlines = [CommentRevisionInline, ReportInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
