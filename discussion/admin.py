from django.contrib import admin

from discussion.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "author", "status", "score", "created_at"]
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
        "score",
        "created_at",
        "status_changed_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
