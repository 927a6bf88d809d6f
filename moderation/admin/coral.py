"""Coral Talk's external moderation phase in the admin: its signing secrets (the
one Coral shows is pasted here; left empty, a new one is made and shown once) and
the recorded decisions, read-only, with their count per verdict and status."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from moderation.admin.audit import ReadOnlyAdmin
from moderation.coral.services import verdict_counts
from moderation.coral.signatures import SECRET_PREFIX, secret_assign, secret_generate
from moderation.models import CoralDecision, CoralSecret
from web.formats import percent


class CoralSecretForm(forms.ModelForm):
    new_secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "The phase's signing secret as Coral shows it (empsec_…). Empty: a new one is made and "
            "shown once, for callers other than Coral."
        ),
    )

    class Meta:
        model = CoralSecret
        fields = ("name", "is_active", "expires_at")

    def clean_new_secret(self) -> str:
        value: str = self.cleaned_data["new_secret"]
        if value and (len(value) < 16 or not value.isprintable() or " " in value):
            raise forms.ValidationError(
                gettext("A signing secret is one word of at least 16 characters, such as empsec_…")
            )
        return value


@admin.register(CoralSecret)
class CoralSecretAdmin(admin.ModelAdmin):
    form = CoralSecretForm
    list_display = ("name", "prefix", "is_active", "expires_at", "last_used_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    actions = ("deactivate",)

    def get_fields(self, request: HttpRequest, obj: CoralSecret | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "new_secret", "is_active", "expires_at")
        return ("name", "is_active", "expires_at", *self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: CoralSecret, form: ModelForm, change: bool) -> None:
        made = None
        if not change:
            given = form.cleaned_data.get("new_secret") or ""
            made = None if given else secret_generate()
            secret_assign(obj, given or made or "")
        super().save_model(request, obj, form, change)
        if made is not None:
            messages.warning(
                request,
                gettext("The signing secret for %(name)s is %(secret)s — copy it now: it is not shown again.")
                % {"name": obj.name, "secret": made},
            )
        elif not change and not obj.secret.startswith(SECRET_PREFIX):
            messages.warning(request, gettext("Coral's phase secrets begin with empsec_; check the copy."))

    @admin.action(description=_("Switch the selected secrets off"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[CoralSecret]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d secret switched off.", "%(count)d secrets switched off.", count)
            % {"count": count},
        )


@admin.register(CoralDecision)
class CoralDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "action",
        "verdict",
        "status",
        "score_percent",
        "model_version",
        "author_role",
        "site_id",
        "story_id",
        "reason",
    )
    list_filter = ("verdict", "status", "action", "author_role", "model_version", "created_at")
    search_fields = ("story_id", "story_url", "author_id", "site_id", "tenant_domain")
    list_select_related = ("model_version",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "verdict",
        "status",
        "score_percent",
        "model_version",
        "reason",
        "tenant_id",
        "tenant_domain",
        "site_id",
        "story_id",
        "story_url",
        "author_id",
        "author_role",
        "parent_id",
        "secret",
        "text",
    )
    readonly_fields = fields

    @admin.display(description=_("score"), ordering="score")
    def score_percent(self, obj: CoralDecision) -> str:
        return percent(obj.score)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            changelist = response.context_data.get("cl")
            if changelist is not None:
                response.context_data["verdict_counts"] = verdict_counts(changelist.queryset)
        return response
