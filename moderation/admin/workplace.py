"""The queue as a workplace: what a queue row's buttons and queue.js's shortcuts call
besides the decision itself. Undo a decision, restrict the author, write a note
about them, and the counts of every queue, each as a small view under the queue's
admin URL. Each answers JSON when asked with ``Accept: application/json`` (queue.js
does) and otherwise goes back to the queue with a message, so the row's buttons
work without scripts too. Every change goes through moderation.decisions."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from discussion.models import Comment
from moderation.decisions import ReaderAction, comment_undo, reader_moderate, reader_note_add
from moderation.permissions import MODERATE
from moderation.selectors import queue_counts
from web.errors import DomainError, InvalidInput, NotFound
from web.requests import AuthenticatedHttpRequest

# The restrictions a queue row offers; lifting and pre-moderating stay on the reader's page.
ROW_RESTRICTIONS = (ReaderAction.BAN, ReaderAction.SUSPEND)
MAX_SUSPENSION_DAYS = 3650


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_json(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_json(), status=exc.status_code)


def back_to_queue(request: HttpRequest, changelist: str) -> HttpResponseRedirect:
    """The queue page the moderator came from (only a page of this queue)."""
    target = request.GET.get("next", "")
    return HttpResponseRedirect(target if target.startswith(changelist) else changelist)


def _moderating_post(request: AuthenticatedHttpRequest) -> HttpResponse | None:
    """Refuse what is not a moderator's POST: None when it is one."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(MODERATE):
        if wants_json(request):
            return JsonResponse(
                {"detail": gettext("You may not moderate comments."), "code": "forbidden"}, status=403
            )
        raise PermissionDenied
    return None


def _answer(
    request: AuthenticatedHttpRequest,
    changelist: str,
    work: Callable[[], tuple[dict[str, Any], str]],
) -> HttpResponse:
    """Run ``work`` (which returns the JSON answer and the message for the page) and
    answer as the client asked: JSON, or a message and the way back to the queue."""
    refused = _moderating_post(request)
    if refused is not None:
        return refused
    try:
        body, message = work()
    except DomainError as exc:
        if wants_json(request):
            return error_json(exc)
        messages.error(request, exc.message)
        return back_to_queue(request, changelist)
    if wants_json(request):
        return JsonResponse(body)
    messages.success(request, message)
    return back_to_queue(request, changelist)


def _posted(request: HttpRequest, name: str, comment_id: int, row_name: str = "") -> str:
    """A field as queue.js posts it (``name``) or as the queue page's own form does,
    which holds every row (``<row_name>_<comment id>``)."""
    return request.POST.get(name) or request.POST.get(f"{row_name or name}_{comment_id}", "")


def _author_of(comment_id: int) -> User:
    comment = Comment.objects.filter(pk=comment_id).select_related("author").first()
    if comment is None:
        raise NotFound(gettext("No such comment."))
    if comment.author is None:
        raise NotFound(gettext("The author's account no longer exists."), code="gone")
    return comment.author


def undo_view(request: AuthenticatedHttpRequest, comment_id: int, changelist: str) -> HttpResponse:
    def work() -> tuple[dict[str, Any], str]:
        entry = comment_undo(comment_id=comment_id, moderator=request.user)
        return (
            {"id": comment_id, "status": entry.to_status, "action": "undo"},
            gettext("Comment #%(id)d: decision undone.") % {"id": comment_id},
        )

    return _answer(request, changelist, work)


def restrict_view(request: AuthenticatedHttpRequest, comment_id: int, changelist: str) -> HttpResponse:
    """Ban or suspend the comment's author, with the reason the reader is told."""

    def work() -> tuple[dict[str, Any], str]:
        restriction = _posted(request, "restriction", comment_id) or ReaderAction.BAN
        if restriction not in ROW_RESTRICTIONS:
            raise InvalidInput(
                gettext("Choose one of %(choices)s.") % {"choices": ", ".join(ROW_RESTRICTIONS)},
                field="restriction",
            )
        reason = _posted(request, "reason", comment_id, "ban_reason").strip()
        if not reason:
            raise InvalidInput(gettext("Say why; the reader sees it."), field="reason")
        until = None
        if restriction == ReaderAction.SUSPEND:
            days = _days(_posted(request, "days", comment_id))
            until = timezone.now() + timedelta(days=days)
        reader = _author_of(comment_id)
        reader_moderate(reader=reader, moderator=request.user, action=restriction, reason=reason, until=until)
        return (
            {
                "id": comment_id,
                "reader": reader.pk,
                "restriction": restriction,
                "until": until.isoformat() if until else None,
                "reason": reason[:255],
            },
            gettext("%(reader)s: %(restriction)s done.")
            % {"reader": reader.get_username(), "restriction": ReaderAction(restriction).label},
        )

    return _answer(request, changelist, work)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 0 < days <= MAX_SUSPENSION_DAYS:
        raise InvalidInput(
            gettext("Give the days of the suspension, 1 to %(max)d.") % {"max": MAX_SUSPENSION_DAYS},
            field="days",
        )
    return days


def note_view(request: AuthenticatedHttpRequest, comment_id: int, changelist: str) -> HttpResponse:
    """A note about the comment's author, written beside this comment."""

    def work() -> tuple[dict[str, Any], str]:
        reader = _author_of(comment_id)
        note = reader_note_add(
            reader=reader,
            moderator=request.user,
            text=_posted(request, "text", comment_id, "note_text"),
            comment_id=comment_id,
        )
        return (
            {
                "id": note.pk,
                "reader": reader.pk,
                "text": note.text,
                "moderator": request.user.get_username(),
                "created_at": note.created_at.isoformat(),
            },
            gettext("Note on %(reader)s saved.") % {"reader": reader.get_username()},
        )

    return _answer(request, changelist, work)


def counts_view(request: HttpRequest) -> JsonResponse:
    """How many comments wait in each queue (one query), for the count line that
    queue.js keeps current. Moderators only."""
    if not request.user.has_perm(MODERATE):
        return JsonResponse(
            {"detail": gettext("You may not moderate comments."), "code": "forbidden"}, status=403
        )
    return JsonResponse(queue_counts())


def changelist_url(model_name: str) -> str:
    return reverse(f"admin:moderation_{model_name}_changelist")
