from django.contrib import admin
from django.db.models import QuerySet, Value
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from articles.selectors import article_comments_open, site_comment_mode_choice


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "section",
        "language",
        "published_at",
        "comment_mode",
        "open_now",
        "comment_count",
    ]
    list_filter = ["section", "language", "comment_mode"]
    search_fields = ["title", "slug", "teaser", "url"]
    readonly_fields = ["comment_count", "source_file", "source_sha256", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        # The site's choice of mode, read once for the whole list, not once per row.
        return super().get_queryset(request).annotate(site_choice=Value(site_comment_mode_choice()))

    @admin.display(boolean=True, description=_("open now"))
    def open_now(self, article: Article) -> bool:
        return article_comments_open(article=article, site_choice=getattr(article, "site_choice", None))
