"""Appeals (DSA Art. 20) in the admin: the queue of open appeals, each with the
decision it is against, and the form a second moderator decides it with; and the
statements of reasons, read-only."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from moderation.admin.audit import ReadOnlyAdmin
from moderation.dsa.appeals import appeal_decide, first_decider
from moderation.dsa.explain import statement_explained
from moderation.models import Appeal, StatementOfReasons
from moderation.permissions import MODERATE
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest


class AppealDecisionForm(forms.ModelForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(Appeal.Status.UPHELD, _("uphold the decision")), (Appeal.Status.REVERSED, _("reverse it"))],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons for the appellant"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    moderator: Any = None

    class Meta:
        model = Appeal
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = first_decider(self.instance)
        if first is not None and self.moderator is not None and first.pk == self.moderator.pk:
            raise forms.ValidationError(
                _("You took the decision appealed against: another moderator decides the appeal.")
            )
        return data


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "against", "created_at", "waiting", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["statement", "notice", "decided_by"]
    ordering = ["-status", "created_at"]
    form = AppealDecisionForm
    readonly_fields = [
        "against",
        "decision",
        "text",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
        "explanation",
    ]

    def get_fields(self, request: HttpRequest, obj: Appeal | None = None) -> Any:
        fields = ["against", "decision", "text", "created_at", "status"]
        if obj is not None and obj.status == Appeal.Status.OPEN:
            return [*fields, "outcome", "reasons"]
        return [*fields, "decided_by", "decided_at", "explanation"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # The form checks that whoever decides did not take the first decision.
        return type(
            "AppealDecisionFormFor",
            (super().get_form(request, obj, change, **kwargs),),
            {"moderator": request.user},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return request.user.has_perm(MODERATE) and (obj is None or obj.status == Appeal.Status.OPEN)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MODERATE)

    @admin.display(description=_("against"))
    def against(self, appeal: Appeal) -> str:
        if appeal.statement is not None:
            statement = appeal.statement
            subject = (
                _("comment %(id)s") % {"id": statement.comment_id}
                if statement.comment_id
                else _("an account")
            )
            return f"{statement.get_restriction_display()}: {subject}"
        return str(_("notice %(ref)s refused")) % {
            "ref": str(appeal.notice.reference)[:8] if appeal.notice else ""
        }

    @admin.display(description=_("the decision"))
    def decision(self, appeal: Appeal) -> str:
        if appeal.statement is None:
            notice = appeal.notice
            assert notice is not None
            return format_html(
                "{}<br>{}", notice.decision_explanation, format_html("<i>{}</i>", notice.explanation)
            )
        told = statement_explained(appeal.statement)
        link = ""
        if appeal.statement.comment_id:
            link = reverse("admin:discussion_comment_change", args=[appeal.statement.comment_id])
        return format_html(
            "{}<br>{}<br>{}<br>{}{}",
            told["restriction_text"],
            told["ground_text"],
            told["explanation"],
            told["facts"],
            format_html(' <a href="{}">{}</a>', link, _("the comment")) if link else "",
        )

    @admin.display(description=_("waiting"))
    def waiting(self, appeal: Appeal) -> str:
        if appeal.status != Appeal.Status.OPEN:
            return "–"
        hours = (timezone.now() - appeal.created_at).total_seconds() / 3600
        return f"{hours:.0f} h"

    def save_model(self, request: HttpRequest, obj: Appeal, form: Any, change: bool) -> None:
        try:
            appeal_decide(
                appeal_id=obj.pk,
                moderator=cast(AuthenticatedHttpRequest, request).user,
                outcome=form.cleaned_data["outcome"],
                explanation=form.cleaned_data["reasons"],
            )
        except DomainError as error:
            messages.error(request, str(error))


@admin.register(StatementOfReasons)
class StatementOfReasonsAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "restriction",
        "comment",
        "reader",
        # The ground (illegal or against the terms) is the one of these two that is
        # set; it stays a filter.
        "legal_ground",
        "terms_ground",
        "automated_decision",
        "source",
        "revoked_at",
    ]
    list_filter = ["restriction", "ground", "automated_decision", "source"]
    list_select_related = ["comment", "reader"]
    search_fields = ["puid", "reader__username"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MODERATE)
