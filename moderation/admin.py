"""The moderators' workplace: queue pages, one-click and bulk decisions, reader
restrictions, the policy, word lists, the audit log and the statistics page.

Admin classes stay thin: every decision goes through moderation.decisions, every
figure through moderation.selectors or moderation.stats.
"""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import ReaderProfile
from config.errors import DomainError
from discussion.admin import CommentAdmin, CommentRevisionInline, ReportInline
from discussion.models import Comment
from moderation.classifier.evaluate import reported_prevalences
from moderation.decisions import Action, ReaderAction, RejectReason, comment_decide, reader_moderate
from moderation.evaluation import model_reports
from moderation.highlight import highlighted
from moderation.models import (
    ArticlePolicy,
    AuditEntry,
    HeldComment,
    ModelVersion,
    QueueComment,
    ReaderAuditEntry,
    RejectedComment,
    ReportedComment,
    SitePolicy,
    StuckComment,
    Term,
)
from moderation.permissions import MODERATE
from moderation.registry import model_activate
from moderation.rules import site_policy
from moderation.selectors import queue_comments, queue_details, queue_ordering
from moderation.services import site_thresholds_for_mix_set
from moderation.stats import SITE_MIX_MIN_COMMENTS, statistics_page_context
from moderation.tasks import retrain_model

# The status every comment of a queue had when the moderator saw the page.
QUEUE_STATUS = {"held": "held", "reported": "held", "pending": "pending", "rejected": "rejected"}


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs: read, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AuditEntryInline(admin.TabularInline):
    model = AuditEntry
    fk_name = "comment"
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "actor",
        "model_version",
        "moderator",
        "from_status",
        "to_status",
        "reason",
        "score",
    ]
    readonly_fields = fields
    verbose_name_plural = "decisions (audit log)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).select_related("model_version", "moderator")


admin.site.unregister(Comment)


@admin.register(Comment)
class CommentWithHistoryAdmin(CommentAdmin):
    """Every comment with its decisions: who decided, when and why."""

    inlines = [AuditEntryInline, *CommentAdmin.inlines]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a comment is removed by a decision, which keeps its history


class QueueChangeList(ChangeList):
    """Loads the page's explanations, reports and author records in a fixed number
    of queries once the page is known, instead of a few per row."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        details = queue_details([comment.pk for comment in self.result_list])
        for comment in self.result_list:
            comment.queue_details = details.get(comment.pk, {})
            comment.return_to = request.get_full_path()


class QueueAdmin(admin.ModelAdmin):
    queue = ""
    list_display = [
        "comment_text",
        "decide",
        "score_bar",
        "rules",
        "reports",
        "author_record",
        "article_title",
        "waiting",
    ]
    list_display_links = None
    list_per_page = 50
    search_fields = ["body", "author__username"]
    readonly_fields = [
        "article",
        "author",
        "parent",
        "body",
        "status",
        "revision",
        "score",
        "report_count",
        "created_at",
        "edited_at",
        "status_changed_at",
    ]
    fields = readonly_fields
    inlines = [AuditEntryInline, CommentRevisionInline, ReportInline]
    actions = ["approve_selected", *[f"reject_{reason}" for reason in RejectReason.values], "remove_selected"]

    class Media:
        css = {"all": ["moderation/queue.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return queue_comments(self.queue, model=self.model)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return queue_ordering(self.queue)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # text, author and status are never edited here; decisions are actions

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return super().get_actions(request) if request.user.has_perm(MODERATE) else {}

    # --- columns ----------------------------------------------------------

    @admin.display(description="comment")
    def comment_text(self, obj: QueueComment) -> str:
        details = getattr(obj, "queue_details", {})
        text = highlighted(obj.body, details.get("explanation", []), details.get("word_hits", []))
        link = reverse(f"admin:moderation_{obj._meta.model_name}_change", args=[obj.pk])
        return format_html(
            '<div class="queue-text">{}</div><a href="{}">#{} · history</a>', text, link, obj.pk
        )

    @admin.display(description="article")
    def article_title(self, obj: QueueComment) -> str:
        return obj.article.title[:60]

    @admin.display(description="author")
    def author_record(self, obj: QueueComment) -> str:
        record = getattr(obj, "queue_details", {}).get("author")
        if obj.author is None or record is None:
            return "(deleted account)"
        query = urlencode({"q": obj.author.get_username()})
        link = reverse("admin:accounts_readerprofile_changelist") + "?" + query
        return format_html(
            '<a href="{}">{}</a><br><small>{} approved · {} rejected · account {} days</small>',
            link,
            obj.author.get_username(),
            record["approved"],
            record["rejected"],
            record["account_age_days"],
        )

    @admin.display(description="score", ordering="score")
    def score_bar(self, obj: QueueComment) -> str:
        if obj.score is None:
            return "–"
        percent = round(obj.score * 100)
        level = "high" if obj.score >= 0.7 else "mid" if obj.score >= 0.35 else "low"
        return format_html(
            '<div class="score-bar"><span class="{}" style="width:{}%"></span></div>{}%',
            level,
            percent,
            percent,
        )

    @admin.display(description="why")
    def rules(self, obj: QueueComment) -> str:
        rules = getattr(obj, "queue_details", {}).get("rules", [])
        return format_html_join("", "<div>{}</div>", ((rule,) for rule in rules)) if rules else "–"

    @admin.display(description="reports")
    def reports(self, obj: QueueComment) -> str:
        reports = getattr(obj, "queue_details", {}).get("reports", {})
        if not reports:
            return "–"
        return format_html_join(
            "", "<div>{} × {}</div>", ((count, reason) for reason, count in reports.items())
        )

    @admin.display(description="waiting", ordering="status_changed_at")
    def waiting(self, obj: QueueComment) -> str:
        minutes = int((timezone.now() - obj.status_changed_at).total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"

    @admin.display(description="decide")
    def decide(self, obj: QueueComment) -> str:
        # The buttons submit the changelist's own form (forms cannot nest) to this
        # comment's decide URL; what the moderator saw travels in the query string.
        query = urlencode(
            {"expected_status": obj.status, "revision": obj.revision, "next": getattr(obj, "return_to", "")}
        )
        url = reverse(f"admin:moderation_{obj._meta.model_name}_decide", args=[obj.pk]) + "?" + query
        options = format_html_join("", '<option value="{}">{}</option>', RejectReason.choices)
        return format_html(
            '<div class="decide">'
            '<button type="submit" formmethod="post" formaction="{}" name="decision" value="approve" '
            'class="approve">Approve</button> '
            '<button type="submit" formmethod="post" formaction="{}" name="decision" value="reject" '
            'class="reject">Reject</button> '
            '<select name="reason_{}" aria-label="reason for rejecting #{}">{}</select>'
            '<input type="hidden" name="revision_{}" value="{}"></div>',
            url,
            url,
            obj.pk,
            obj.pk,
            options,
            obj.pk,
            obj.revision,
        )

    # --- one-click decisions ----------------------------------------------

    def get_urls(self) -> list[Any]:
        name = f"moderation_{self.model._meta.model_name}_decide"
        return [
            path("<int:comment_id>/decide/", self.admin_site.admin_view(self.decide_view), name=name),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, comment_id: int) -> HttpResponse:
        return _decide_view(self, request, comment_id)

    # --- bulk actions -----------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Any], action: str, reason: str = "") -> None:
        done, conflicts = 0, 0
        for comment_id in queryset.values_list("pk", flat=True):
            try:
                comment_decide(
                    comment_id=comment_id,
                    moderator=request.user,
                    action=action,
                    reason=reason,
                    expected_status=QUEUE_STATUS[self.queue],
                    # The text shown on the page; an edit since then is not decided blind.
                    expected_revision=_number(request.POST.get(f"revision_{comment_id}", "")),
                )
                done += 1
            except DomainError:
                conflicts += 1
        self.message_user(
            request, f"{action}: {done} comments" + (f", {conflicts} already decided" if conflicts else "")
        )

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, Action.APPROVE)

    @admin.action(description="Remove selected comments", permissions=["moderate"])
    def remove_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, Action.REMOVE)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)


def _reject_action(reason: str, label: str):  # type: ignore[no-untyped-def]
    @admin.action(description=f"Reject selected comments as {label}", permissions=["moderate"])
    def reject(self: QueueAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, Action.REJECT, reason)

    reject.__name__ = f"reject_{reason}"
    return reject


for _reason, _label in RejectReason.choices:
    setattr(QueueAdmin, f"reject_{_reason}", _reject_action(_reason, _label))


def _number(text: str) -> int | None:
    """A small positive number from a form or query string, or None."""
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _decide_view(model_admin: QueueAdmin, request: HttpRequest, comment_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    action = request.POST.get("decision", "")
    try:
        comment_decide(
            comment_id=comment_id,
            moderator=request.user,
            action=action,
            reason=request.POST.get(f"reason_{comment_id}", "") if action == Action.REJECT else "",
            note=request.POST.get("note", ""),
            expected_status=request.GET.get("expected_status") or None,
            expected_revision=_number(request.GET.get("revision", "")),
        )
        messages.success(request, f"Comment #{comment_id}: {action} done.")
    except DomainError as exc:
        messages.error(request, f"Comment #{comment_id}: {exc.message}")
    changelist = reverse(f"admin:moderation_{model_admin.model._meta.model_name}_changelist")
    target = request.GET.get("next", "")
    return HttpResponseRedirect(target if target.startswith(changelist) else changelist)


@admin.register(HeldComment)
class HeldQueueAdmin(QueueAdmin):
    queue = "held"


@admin.register(ReportedComment)
class ReportedQueueAdmin(QueueAdmin):
    queue = "reported"


@admin.register(StuckComment)
class StuckQueueAdmin(QueueAdmin):
    queue = "pending"


@admin.register(RejectedComment)
class RejectedQueueAdmin(QueueAdmin):
    queue = "rejected"
    actions = ["approve_selected", "remove_selected"]


# --- readers --------------------------------------------------------------


class ReaderActionForm(forms.Form):
    # Not "action": the admin's own action field carries the name of this admin action.
    restriction = forms.ChoiceField(choices=ReaderAction.choices)
    until = forms.DateTimeField(required=False, help_text="End of a suspension (YYYY-MM-DD HH:MM).")
    reason = forms.CharField(max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("restriction") == ReaderAction.SUSPEND and not data.get("until"):
            self.add_error("until", "A suspension needs an end date.")
        elif data.get("until") and data["until"] <= timezone.now():
            self.add_error("until", "A suspension must end in the future.")
        if data.get("restriction") in (ReaderAction.SUSPEND, ReaderAction.BAN) and not data.get("reason"):
            self.add_error("reason", "Say why; the reader sees it.")
        return data


admin.site.unregister(ReaderProfile)


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "banned", "suspended_until", "always_premoderated"]
    list_filter = ["banned", "always_premoderated"]
    list_select_related = ["user"]
    search_fields = ["user__username", "display_name"]
    readonly_fields = [
        "user",
        "display_name",
        "suspended_until",
        "suspension_reason",
        "banned",
        "ban_reason",
        "always_premoderated",
        "updated_at",
    ]
    actions = ["restrict"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)

    @admin.action(
        description="Suspend, ban, lift or pre-moderate selected readers…", permissions=["moderate"]
    )
    def restrict(self, request: HttpRequest, queryset: QuerySet[ReaderProfile]) -> HttpResponse | None:
        form = ReaderActionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refusals = 0, []
            for profile in queryset.select_related("user"):
                try:
                    reader_moderate(
                        reader=profile.user,
                        moderator=request.user,
                        action=form.cleaned_data["restriction"],
                        reason=form.cleaned_data["reason"],
                        until=form.cleaned_data["until"],
                    )
                    done += 1
                except DomainError as exc:
                    refusals.append(f"{profile.user.get_username()}: {exc.message}")
            self.message_user(request, f"{form.cleaned_data['restriction']}: {done} readers")
            for refusal in refusals:
                self.message_user(request, refusal, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            "admin/moderation/reader_action.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "readers": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": "Restrict readers",
            },
        )


@admin.register(ReaderAuditEntry)
class ReaderAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reader", "action", "until", "reason", "moderator"]
    list_filter = ["action"]
    list_select_related = ["reader", "moderator"]


# --- policy ---------------------------------------------------------------


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


# --- model registry and audit log -------------------------------------------


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "created_at",
        "is_active",
        "size_bytes",
        "germeval_f1",
        "thresholds",
        "automatic",
        "report",
    ]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate", "retrain_from_decisions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Administrators activate and retrain through the actions; nobody edits a row.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="CV average F")
    def germeval_f1(self, obj: ModelVersion) -> object:
        return (obj.metrics or {}).get("cross_validated", {}).get("germeval_f1", "–")

    @admin.display(description="recommended thresholds")
    def thresholds(self, obj: ModelVersion) -> str:
        recommended = (obj.metrics or {}).get("thresholds")
        if not recommended:
            return "–"
        return f"publish < {recommended['publish_below']}, reject ≥ {recommended['reject_above']}"

    @admin.display(description="decided without a human")
    def automatic(self, obj: ModelVersion) -> str:
        """At the recommended thresholds on the training data's mix, then for sites
        with fewer offensive comments at thresholds chosen for them."""
        metrics = obj.metrics or {}
        recommended = metrics.get("thresholds")
        if not recommended:
            return "–"
        parts = [f"{recommended['automatic_share'] * 100:.0f} % of {recommended['dataset']}"]
        parts += [
            f"{site['automatic_share'] * 100:.0f} % where {site['prevalence'] * 100:.0f} % are offensive"
            for site in reported_prevalences(metrics)
        ]
        return "; ".join(parts)

    @admin.display(description="latest report")
    def report(self, obj: ModelVersion) -> str:
        reports = model_reports(obj)
        if not reports:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("model-report", args=[reports[0]]), "report")

    @admin.action(description="Activate the selected model version", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version.", messages.ERROR)
            return
        row = model_activate(version=queryset.get().version)
        self.message_user(request, f"{row.version} is now active; workers load it with their next comment.")

    @admin.action(
        description="Retrain from moderators' decisions (challenger vs. active model)", permissions=["change"]
    )
    def retrain_from_decisions(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        retrain_model.delay()
        self.message_user(
            request,
            "Retraining requested; the challenger appears here with the reason it was or was not promoted.",
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "comment",
        "actor",
        "from_status",
        "to_status",
        "reason",
        "score",
        "explanation",
        "model_version",
        "moderator",
    ]
    list_filter = ["actor", "to_status"]
    list_select_related = ["comment", "model_version", "moderator"]
    search_fields = ["=comment__id", "reason"]

    @admin.display(description="words that raised the score")
    def explanation(self, obj: AuditEntry) -> str:
        """The model's explanation and its likeliest fine label, as plain (escaped) text."""
        words = ", ".join(
            f"{item['feature']} (+{item['weight']:.2f})"
            for item in (obj.details or {}).get("explanation", [])[:4]
        )
        fine = (obj.details or {}).get("fine_scores") or {}
        if fine:
            label = max(fine, key=fine.get)
            words = f"{words} · {label} {fine[label]:.2f}" if words else f"{label} {fine[label]:.2f}"
        return words or "–"


# --- statistics -------------------------------------------------------------


def statistics_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("moderation.view_auditentry"):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    days = min(max(_number(source.get("days", "")) or 30, 1), 365)
    since = timezone.now() - timedelta(days=days)
    can_change_policy = request.user.has_perm("moderation.change_sitepolicy")
    if request.method == "POST" and request.POST.get("action") == "use_site_mix":
        if not can_change_policy:
            raise PermissionDenied
        _use_site_mix_thresholds(request, since)
        return HttpResponseRedirect(f"{request.path}?days={days}#site-mix")
    context = {
        **admin.site.each_context(request),
        "title": "Moderation statistics",
        "can_change_policy": can_change_policy,
        "site_mix_min_comments": SITE_MIX_MIN_COMMENTS,
        **statistics_page_context(since=since, days=days),
    }
    return TemplateResponse(request, "admin/moderation/statistics.html", context)


def _use_site_mix_thresholds(request: HttpRequest, since: datetime) -> None:
    changed = site_thresholds_for_mix_set(since=since)
    if changed is None:
        messages.error(request, "Too few scored comments to estimate the site's mix; nothing changed.")
        return
    policy, mix = changed
    change = (
        f"Thresholds for {mix['recommended']['prevalence'] * 100:.0f} % offensive comments (estimated "
        f"{mix['estimate'] * 100:.1f} % from {mix['n']} scored comments): publish below "
        f"{policy.publish_below}, reject from {policy.reject_above}."
    )
    LogEntry.objects.log_actions(
        user_id=request.user.pk, queryset=[policy], action_flag=CHANGE, change_message=change
    )
    messages.success(request, change)
