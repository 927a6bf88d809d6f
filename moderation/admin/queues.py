"""The queues: one page per queue with one-click and bulk decisions. Every decision
goes through moderation.decisions; every figure beside a comment through
moderation.selectors."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from discussion.admin import CommentRevisionInline, ReportInline, ScoreShown
from discussion.models import Report
from moderation.admin.audit import AuditEntryInline
from moderation.admin.filters import QueueFinding
from moderation.admin.reasons import reason_text
from moderation.admin.workplace import (
    counts_view,
    error_json,
    note_view,
    restrict_view,
    undo_view,
    wants_json,
)
from moderation.decisions import UNDO_SECONDS, Action, RejectReason, comment_decide
from moderation.models import HeldComment, QueueComment, RejectedComment, ReportedComment, StuckComment
from moderation.permissions import MODERATE
from moderation.policy.highlight import highlighted
from moderation.selectors import QUEUES, queue_comments, queue_counts, queue_details
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest

# The status every comment of a queue had when the moderator saw the page.
QUEUE_STATUS = {"held": "held", "reported": "held", "pending": "pending", "rejected": "rejected"}


class QueueChangeList(ChangeList):
    """Loads the page's explanations, reports and author records in a fixed number
    of queries once the page is known, instead of a few per row."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        details = queue_details([comment.pk for comment in self.result_list])
        for comment in self.result_list:
            comment.queue_details = details.get(comment.pk, {})
            comment.return_to = request.get_full_path()


def _reason_label(reason: str) -> str:
    """A report's reason as the page's language names it."""
    try:
        return str(Report.Reason(reason).label)
    except ValueError:
        return reason


def _reject_action(reason: str, label: str | Promise) -> Callable[..., None]:
    @admin.action(
        description=format_lazy(_("Reject selected comments as {}"), label), permissions=["moderate"]
    )
    def reject(model_admin: "QueueAdmin", request: AuthenticatedHttpRequest, queryset: QuerySet[Any]) -> None:
        model_admin._bulk(request, queryset, Action.REJECT, reason)

    reject.__name__ = f"reject_{reason}"
    return reject


# One bulk action per reason: the reason is recorded with the decision.
REJECT_ACTIONS = [_reject_action(reason, label) for reason, label in RejectReason.choices]


class QueueAdmin(ScoreShown, QueueFinding):
    list_display = [
        "comment_text",
        "decide",
        "score_bar",
        "rules",
        "reports",
        "author_record",
        "thread_context",
        "waiting",
    ]
    list_display_links = None
    list_per_page = 50
    readonly_fields = (
        "article",
        "author",
        "parent",
        "body",
        "status",
        "revision",
        "score_percent",
        "report_count",
        "created_at",
        "edited_at",
        "status_changed_at",
    )
    fields = readonly_fields
    inlines = [AuditEntryInline, CommentRevisionInline, ReportInline]
    actions = ["approve_selected", *REJECT_ACTIONS, "remove_selected"]

    change_list_template = "admin/moderation/queue/change_list.html"

    class Media:
        css = {"all": ["moderation/queue.css"]}
        js = ["moderation/queue.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return queue_comments(self.queue, model=self.model)

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

    @admin.display(description=_("comment"))
    def comment_text(self, obj: QueueComment) -> str:
        details = getattr(obj, "queue_details", {})
        return render_to_string(
            "admin/moderation/queue/comment.html",
            {
                "text": highlighted(obj.body, details.get("explanation", []), details.get("word_hits", [])),
                "link": reverse(f"admin:moderation_{obj._meta.model_name}_change", args=[obj.pk]),
                "pk": obj.pk,
                "diff": details.get("diff"),
                "seen_revision": details.get("seen_revision"),
            },
        )

    @admin.display(description=_("article"))
    def article_title(self, obj: QueueComment) -> str:
        return obj.article.title[:60]

    # --- the workplace: context, author tools, undo, counts ------------------

    @admin.display(description=_("thread"))
    def thread_context(self, obj: QueueComment) -> str:
        """The article, the comment this one answers, and the way to both in the thread."""
        details = getattr(obj, "queue_details", {})
        return render_to_string(
            "admin/moderation/queue/context.html",
            {
                "article": obj.article.title,
                "parent": details.get("parent"),
                "thread_url": details.get("thread_url", ""),
            },
        )

    def _author_tools(self, obj: QueueComment) -> dict[str, Any]:
        """The row's URLs to restrict the author and to write a note about them."""
        query = urlencode({"next": getattr(obj, "return_to", "")})
        name = f"admin:moderation_{obj._meta.model_name}"
        return {
            "pk": obj.pk,
            "restrict_url": f"{reverse(f'{name}_restrict', args=[obj.pk])}?{query}",
            "note_url": f"{reverse(f'{name}_note', args=[obj.pk])}?{query}",
        }

    def workplace_context(self, request: HttpRequest) -> dict[str, Any]:
        """What the queue page needs around its rows: the counts line, the URL that
        keeps it current, the undo window."""
        counts = queue_counts()
        names = {
            "held": "heldcomment",
            "reported": "reportedcomment",
            "pending": "stuckcomment",
            "rejected": "rejectedcomment",
        }
        return {
            "queue": self.queue,
            "queue_links": [
                {
                    "queue": queue,
                    "count": counts[queue],
                    "url": reverse(f"admin:moderation_{names[queue]}_changelist"),
                }
                for queue in QUEUES
            ],
            "counts_url": reverse(f"admin:moderation_{self.model._meta.model_name}_counts"),
            "undo_seconds": UNDO_SECONDS,
        }

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The queue's name as the page's title, not "Select held comment to view".
        title = {"title": capfirst(self.model._meta.verbose_name_plural)}
        return super().changelist_view(
            request, {**title, **self.workplace_context(request), **(extra_context or {})}
        )

    @admin.display(description=_("author"))
    def author_record(self, obj: QueueComment) -> str:
        record = getattr(obj, "queue_details", {}).get("author")
        if obj.author is None or record is None:
            return gettext("(deleted account)")
        query = urlencode({"q": obj.author.get_username()})
        return render_to_string(
            "admin/moderation/queue/author.html",
            {
                "link": reverse("admin:accounts_readerprofile_changelist") + "?" + query,
                "username": obj.author.get_username(),
                "record": record,
                **self._author_tools(obj),
            },
        )

    @admin.display(description=_("score"), ordering="score")
    def score_bar(self, obj: QueueComment) -> str:
        if obj.score is None:
            return "–"
        level = "high" if obj.score >= 0.7 else "mid" if obj.score >= 0.35 else "low"
        return render_to_string(
            "admin/moderation/queue/score.html", {"level": level, "percent": round(obj.score * 100)}
        )

    @admin.display(description=_("why"))
    def rules(self, obj: QueueComment) -> str:
        rules = [reason_text(rule) for rule in getattr(obj, "queue_details", {}).get("rules", [])]
        return render_to_string("admin/moderation/queue/lines.html", {"lines": rules}) if rules else "–"

    @admin.display(description=_("reports"))
    def reports(self, obj: QueueComment) -> str:
        reports = getattr(obj, "queue_details", {}).get("reports", {})
        if not reports:
            return "–"
        lines = [f"{count} × {_reason_label(reason)}" for reason, count in reports.items()]
        return render_to_string("admin/moderation/queue/lines.html", {"lines": lines})

    @admin.display(description=_("waiting"), ordering="status_changed_at")
    def waiting(self, obj: QueueComment) -> str:
        minutes = int((timezone.now() - obj.status_changed_at).total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"

    @admin.display(description=_("decide"))
    def decide(self, obj: QueueComment) -> str:
        # The buttons submit the changelist's own form (forms cannot nest) to this
        # comment's decide URL; what the moderator saw travels in the query string.
        query = urlencode(
            {"expected_status": obj.status, "revision": obj.revision, "next": getattr(obj, "return_to", "")}
        )
        url = reverse(f"admin:moderation_{obj._meta.model_name}_decide", args=[obj.pk])
        return render_to_string(
            "admin/moderation/queue/decide.html",
            {
                "url": f"{url}?{query}",
                "undo_url": reverse(f"admin:moderation_{obj._meta.model_name}_undo", args=[obj.pk]),
                "pk": obj.pk,
                "revision": obj.revision,
                "reasons": RejectReason.choices,
                # A one-click reject records no label the moderator did not choose.
                "default_reason": RejectReason.OTHER,
            },
        )

    # --- one-click decisions ----------------------------------------------

    def get_urls(self) -> list[Any]:
        name = f"moderation_{self.model._meta.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<int:comment_id>/decide/", view(self.decide_view), name=f"{name}_decide"),
            path("<int:comment_id>/undo/", view(self.undo_view), name=f"{name}_undo"),
            path("<int:comment_id>/restrict/", view(self.restrict_view), name=f"{name}_restrict"),
            path("<int:comment_id>/note/", view(self.note_view), name=f"{name}_note"),
            path("counts/", view(counts_view), name=f"{name}_counts"),
            *super().get_urls(),
        ]

    def undo_view(self, request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
        return undo_view(request, comment_id, self._changelist_url())

    def restrict_view(self, request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
        return restrict_view(request, comment_id, self._changelist_url())

    def note_view(self, request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
        return note_view(request, comment_id, self._changelist_url())

    def _changelist_url(self) -> str:
        return reverse(f"admin:moderation_{self.model._meta.model_name}_changelist")

    def decide_view(self, request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
        return _decide_view(self, request, comment_id)

    # --- bulk actions -----------------------------------------------------

    def _bulk(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Any], action: str, reason: str = ""
    ) -> None:
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
            request,
            ngettext("%(action)s: %(done)d comment", "%(action)s: %(done)d comments", done)
            % {"action": Action(action).label, "done": done}
            + (
                ngettext(", %(conflicts)d already decided", ", %(conflicts)d already decided", conflicts)
                % {"conflicts": conflicts}
                if conflicts
                else ""
            ),
        )

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve_selected(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, Action.APPROVE)

    @admin.action(description=_("Remove selected comments"), permissions=["moderate"])
    def remove_selected(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, Action.REMOVE)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)


def _number(text: str) -> int | None:
    """A small positive number from a form or query string, or None."""
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _decide_view(model_admin: QueueAdmin, request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    action = request.POST.get("decision", "")
    try:
        entry = comment_decide(
            comment_id=comment_id,
            moderator=request.user,
            action=action,
            reason=request.POST.get(f"reason_{comment_id}", "") if action == Action.REJECT else "",
            note=request.POST.get("note", ""),
            expected_status=request.GET.get("expected_status") or None,
            expected_revision=_number(request.GET.get("revision", "")),
        )
        if wants_json(request):
            return JsonResponse({"id": comment_id, "status": entry.to_status, "action": action})
        messages.success(
            request,
            gettext("Comment #%(id)d: %(action)s done.") % {"id": comment_id, "action": Action(action).label},
        )
    except DomainError as exc:
        if wants_json(request):
            return error_json(exc)
        messages.error(
            request, gettext("Comment #%(id)d: %(error)s") % {"id": comment_id, "error": exc.message}
        )
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
