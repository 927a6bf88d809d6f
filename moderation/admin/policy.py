"""The policy: the site's, each article's, and the word lists."""

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from moderation.models import ArticlePolicy, SettingsAuditEntry, SitePolicy, Term
from moderation.services import site_policy_update


@admin.register(SitePolicy)
class SitePolicyAdmin(admin.ModelAdmin):
    """The one row of the site policy, made by a migration: changed here, never deleted;
    added only should it be missing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SitePolicy.objects.filter(pk=1).exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not SitePolicy.objects.filter(pk=1).exists():
            return HttpResponseRedirect(reverse("admin:moderation_sitepolicy_add"))
        return HttpResponseRedirect(reverse("admin:moderation_sitepolicy_change", args=[1]))

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The policy's history is its audit log, which holds every change whatever made it.
        changelist = reverse("admin:moderation_settingsauditentry_changelist")
        return HttpResponseRedirect(f"{changelist}?subject__exact={SettingsAuditEntry.Subject.SITE_POLICY}")

    def save_model(self, request: HttpRequest, obj: SitePolicy, form: Any, change: bool) -> None:
        # Through the service, which keeps the policy in the one row the selectors read
        # and audits the change.
        obj.pk = site_policy_update(
            source=SettingsAuditEntry.Source.ADMIN,
            # Every admin view is behind the admin's login.
            user=cast(User, request.user),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        ).pk


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
