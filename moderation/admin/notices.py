"""The queue of notices of illegal content (DSA Art. 16), apart from readers'
reports: open notices first, oldest first, each with its deadline; on a notice's
page a moderator removes the comment or refuses the notice, through
moderation.dsa.notices. Notices are never added, edited or deleted here."""

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.decisions import RejectReason
from moderation.dsa.grounds import LEGAL_GROUNDS, legal_ground, terms_ground
from moderation.dsa.notices import DECISION_EXPLANATION_MAX_LENGTH, notice_decide
from moderation.models import Notice
from moderation.permissions import MODERATE
from moderation.policy.rules import site_policy
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest

TITLE = _("Notices of illegal content")


class NoticeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("remove", _("Remove the comment")), ("refuse", _("Refuse the notice: no action"))],
        widget=forms.RadioSelect,
    )
    legal_ground = forms.ChoiceField(
        label=_("Legal ground"),
        choices=[(code, ground.label) for code, ground in LEGAL_GROUNDS.items()],
        required=False,
        help_text=_("When removing: the provision the comment breaks, as you find it."),
    )
    # Named as the statement of reasons names the Netiquette rule to the author.
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(reason.value, terms_ground(reason.value).label) for reason in RejectReason],
        initial=RejectReason.OTHER,
        required=False,
        help_text=_("When removing: the Netiquette rule broken too."),
    )
    explanation = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DECISION_EXPLANATION_MAX_LENGTH,
        required=False,
        help_text=_("The reasons, for the author and the notifier. Required when refusing."),
    )
    manifestly_illegal = forms.BooleanField(
        label=_("Manifestly illegal"), required=False, help_text=_("When removing (counts for misuse).")
    )
    manifestly_unfounded = forms.BooleanField(
        label=_("Manifestly unfounded"), required=False, help_text=_("When refusing (counts for misuse).")
    )


def _due(notice: Notice, hours: int) -> datetime:
    return notice.created_at + timedelta(hours=hours)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes >= 60 else f"{minutes} min"


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = [
        "short_reference",
        "comment_excerpt",
        "ground",
        "notified_by",
        "created_at",
        "deadline",
        "status",
    ]
    list_filter = ["status", "legal_ground"]
    list_select_related = ["comment"]
    list_per_page = 50
    search_fields = ["notifier_email", "notifier_name", "=comment__id"]
    readonly_fields = (
        "reference",
        "status",
        "comment_link",
        "comment_text",
        "comment_revision",
        "ground",
        "legal_ground_other",
        "explanation",
        "notifier_name",
        "notifier_email",
        "notifier_account",
        "good_faith",
        "language",
        "created_at",
        "deadline",
        "receipt_sent_at",
        "decided_at",
        "decided_by",
        "decision_explanation",
        "automated_means",
        "manifestly_unfounded",
        "decision_sent_at",
    )
    fields = readonly_fields
    change_form_template = "admin/moderation/notice/change_form.html"

    class Media:
        css = {"all": ["moderation/queue.css", "moderation/notices.css"]}

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # An expression, not an annotation: the admin orders other querysets of
        # notices by it too (the choices of a form field that points to a notice).
        open_first = Case(
            When(status=Notice.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return [open_first.asc(), "created_at", "id"]

    # Moderators work the queue without a permission of the notice model itself.
    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MODERATE) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # what the notifier sent is never edited; decisions go through decide_view

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._deadline_hours = site_policy().notice_deadline_hours
        return super().changelist_view(request, {"title": TITLE, **(extra_context or {})})

    # --- columns ----------------------------------------------------------

    @admin.display(description=_("reference"))
    def short_reference(self, obj: Notice) -> str:
        return str(obj.reference)[:8]

    @admin.display(description=_("comment"))
    def comment_excerpt(self, obj: Notice) -> str:
        if obj.comment is None:
            return gettext("(comment deleted)")
        body = obj.comment.body
        excerpt = body if len(body) <= 120 else body[:119] + "…"
        link = reverse("admin:discussion_comment_change", args=[obj.comment_id])
        return format_html(
            '<div class="queue-text">{}</div><a href="{}">#{} · {}</a>',
            excerpt,
            link,
            obj.comment_id,
            obj.comment.status,
        )

    @admin.display(description=_("comment"))
    def comment_link(self, obj: Notice) -> str:
        if obj.comment_id is None:
            return gettext("(comment deleted)")
        link = reverse("admin:discussion_comment_change", args=[obj.comment_id])
        return format_html(
            '<a href="{}">{}</a> ({}) · <a href="{}">{}</a>',
            link,
            gettext("#%(id)s with its history") % {"id": obj.comment_id},
            obj.comment.status if obj.comment else "",
            obj.comment_url,
            gettext("on the page"),
        )

    @admin.display(description=_("text now"))
    def comment_text(self, obj: Notice) -> str:
        if obj.comment is None:
            return "–"
        changed = obj.comment.revision != obj.comment_revision
        return format_html(
            '<div class="queue-text">{}</div>{}',
            obj.comment.body,
            gettext("(edited since the notice: revision %(revision)s)") % {"revision": obj.comment.revision}
            if changed
            else "",
        )

    @admin.display(description=_("legal ground"), ordering="legal_ground")
    def ground(self, obj: Notice) -> str:
        label = str(legal_ground(obj.legal_ground).label)
        return f"{label}: {obj.legal_ground_other}" if obj.legal_ground_other else label

    @admin.display(description=_("notifier"))
    def notified_by(self, obj: Notice) -> str:
        if not (obj.notifier_name or obj.notifier_email):
            return gettext("(anonymous)")
        return format_html("{}<br>{}", obj.notifier_name, obj.notifier_email)

    @admin.display(description=_("account"))
    def notifier_account(self, obj: Notice) -> str:
        return obj.notifier.get_username() if obj.notifier else gettext("(not signed in)")

    @admin.display(description=_("deadline"))
    def deadline(self, obj: Notice) -> str:
        hours = getattr(self, "_deadline_hours", None)
        if hours is None:
            hours = site_policy().notice_deadline_hours
        if obj.status != Notice.Status.OPEN:
            return format_html('<span class="notice-due done">{}</span>', gettext("decided"))
        left = _due(obj, hours) - timezone.now()
        if left <= timedelta(0):
            overdue = gettext("overdue by %(time)s") % {"time": _hours(-left)}
            return format_html('<span class="notice-due overdue">{}</span>', overdue)
        level = "soon" if left < timedelta(hours=hours) / 4 else "ok"
        due = gettext("due in %(time)s") % {"time": _hours(left)}
        return format_html('<span class="notice-due {}">{}</span>', level, due)

    # --- deciding -----------------------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:notice_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_notice_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        notice = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if notice is not None and notice.status == Notice.Status.OPEN and request.user.has_perm(MODERATE):
            context["decision_form"] = NoticeDecisionForm(
                initial={"legal_ground": notice.legal_ground, "reason": RejectReason.OTHER}
            )
            context["decide_url"] = reverse("admin:moderation_notice_decide", args=[notice.pk])
        return super().change_view(request, object_id, form_url, context)

    def decide_view(self, request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MODERATE):
            raise PermissionDenied
        notice = get_object_or_404(Notice, pk=notice_id)
        page = reverse("admin:moderation_notice_change", args=[notice.pk])
        reference = str(notice.reference)[:8]
        form = NoticeDecisionForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(
                f"{form[field].label}: {' '.join(str(problem) for problem in problems)}"
                for field, problems in form.errors.items()
            )
            messages.error(
                request,
                gettext("Notice %(reference)s: %(problem)s") % {"reference": reference, "problem": errors},
            )
            return HttpResponseRedirect(page)
        data = form.cleaned_data
        try:
            notice_decide(
                notice_id=notice.pk,
                moderator=request.user,
                action=data["decision"],
                explanation=data["explanation"],
                legal_ground=data["legal_ground"],
                reason=data["reason"],
                manifestly_illegal=data["manifestly_illegal"] and data["decision"] == "remove",
                manifestly_unfounded=data["manifestly_unfounded"] and data["decision"] == "refuse",
            )
        except DomainError as exc:
            messages.error(
                request,
                gettext("Notice %(reference)s: %(problem)s")
                % {"reference": reference, "problem": exc.message},
            )
            return HttpResponseRedirect(page)
        if data["decision"] == "remove":
            done = gettext("Notice %(reference)s: comment removed; the notifier is told.")
        else:
            done = gettext("Notice %(reference)s: refused; the notifier is told.")
        messages.success(request, done % {"reference": reference})
        return HttpResponseRedirect(reverse("admin:moderation_notice_changelist"))
