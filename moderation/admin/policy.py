"""The policy: the site's, each article's, and the word lists."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from moderation.models import ArticlePolicy, SitePolicy, Term
from moderation.policy.rules import site_policy


@admin.register(SitePolicy)
class SitePolicyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SitePolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:moderation_sitepolicy_change", args=[site_policy().pk]))


@admin.register(ArticlePolicy)
class ArticlePolicyAdmin(admin.ModelAdmin):
    list_display = ["article", "publish_below", "reject_above", "auto_reject", "report_threshold"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["text", "note"]
