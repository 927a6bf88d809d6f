from django.contrib import admin

from articles.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "published_at", "comments_open", "comment_count"]
    list_filter = ["language", "comments_open"]
    search_fields = ["title", "slug", "teaser"]
    readonly_fields = ["comment_count", "source_file", "source_sha256", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
