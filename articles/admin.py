from django.contrib import admin

from articles.models import Article
from articles.selectors import article_comments_open


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "published_at", "comment_mode", "open_now", "comment_count"]
    list_filter = ["language", "comment_mode"]
    search_fields = ["title", "slug", "teaser"]
    readonly_fields = ["comment_count", "source_file", "source_sha256", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(boolean=True, description="open now")
    def open_now(self, article: Article) -> bool:
        return article_comments_open(article=article)
