"""Reads of moderation."""

import re
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import ReaderProfile
from articles.selectors import comment_link
from discussion.models import Comment, CommentRevision, Report
from moderation.classifier.checksum import sha256_of
from moderation.modelops.registry import model_path
from moderation.models import AuditEntry, ModelVersion, ReaderNote
from web.errors import NotFound


@lru_cache(maxsize=8)
def _file_sha256(path: Path, mtime_ns: int, size: int) -> str:
    return sha256_of(path)


def model_status() -> dict[str, Any]:
    """The active model as the registry knows it: is its file there, unaltered,
    and could the workers load it?"""
    row = ModelVersion.objects.filter(is_active=True).first()
    if row is None:
        return {"ok": False, "error": "no active model"}
    path = model_path(row)
    try:
        stat = path.stat()
    except OSError:
        return {"ok": False, "version": row.version, "error": f"model file {row.file_name} is missing"}
    if _file_sha256(path, stat.st_mtime_ns, stat.st_size) != row.sha256:
        return {
            "ok": False,
            "version": row.version,
            "error": f"model file {row.file_name} does not match its checksum",
        }
    if row.load_error:
        return {
            "ok": False,
            "version": row.version,
            "error": f"a worker could not load the model: {row.load_error}",
        }
    return {"ok": True, "version": row.version, "metrics": row.metrics}


def pending_status() -> dict[str, Any]:
    """How many comments wait for the machine, and since when (a stuck pipeline shows here)."""
    waiting = Comment.objects.filter(status=Comment.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("status_changed_at")
    )
    age = (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0.0
    return {"count": waiting["count"], "oldest_age_s": round(age, 1)}


# --- Queues ---------------------------------------------------------------

QUEUES = ("held", "reported", "pending", "rejected")
STUCK_AFTER = timedelta(minutes=1)
RECENT_REJECTIONS = timedelta(days=7)


def _open_reports() -> Exists:
    # Of any revision: an edit by the author leaves the reports for a moderator.
    return Exists(Report.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True))


def queue_filter(queue: str, *, now: datetime | None = None) -> Q:
    """Which comments a queue holds. ``held`` and ``reported`` do not overlap: a held
    comment with open reports (on its current or an earlier text) is in ``reported``."""
    now = now or timezone.now()
    Status = Comment.Status
    if queue == "held":
        return Q(status=Status.HELD) & ~Q(_open_reports())
    if queue == "reported":
        return Q(status=Status.HELD) & Q(_open_reports())
    if queue == "pending":
        return Q(status=Status.PENDING, status_changed_at__lt=now - STUCK_AFTER)
    if queue == "rejected":
        return Q(status=Status.REJECTED, status_changed_at__gte=now - RECENT_REJECTIONS)
    raise NotFound(
        gettext("No queue %(queue)s; the queues are %(queues)s.")
        % {"queue": queue, "queues": ", ".join(QUEUES)}
    )


def queue_ordering(queue: str) -> list[Any]:
    """Priority first: a high score and many reports, then the longest wait. A stuck
    pipeline shows its oldest comment first; rejections their newest."""
    if queue in ("held", "reported"):
        return [F("priority").desc(), "status_changed_at", "id"]
    if queue == "pending":
        return ["status_changed_at", "id"]
    return ["-status_changed_at", "-id"]


def with_priority(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    # An unscored comment counts as mid-range; each report adds a tenth.
    return queryset.annotate(
        priority=ExpressionWrapper(
            Coalesce(F("score"), Value(0.5)) + Value(0.1) * F("report_count"), output_field=FloatField()
        )
    )


def queue_comments(queue: str, *, model: type[Comment] = Comment) -> QuerySet[Comment]:
    """A queue's comments in priority order (as ``model``, e.g. a queue's proxy)."""
    return (
        with_priority(model.objects.filter(queue_filter(queue)))
        .select_related("article", "author")
        .order_by(*queue_ordering(queue))
    )


def queue_counts() -> dict[str, int]:
    """Comments waiting in each queue, one query."""
    now = timezone.now()
    return Comment.objects.aggregate(
        **{queue: Count("id", filter=queue_filter(queue, now=now)) for queue in QUEUES}
    )


# How much of the comment a reply answers the queue shows.
PARENT_EXCERPT = 200


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The edit from ``before`` to ``after`` word by word, as (kind, text) pieces in
    order: kind "same", "del" (only in before) or "ins" (only in after). Whitespace
    is a piece of its own, so joining the "same" and "ins" pieces gives ``after``."""
    old, new = re.findall(r"\S+|\s+", before), re.findall(r"\S+|\s+", after)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(new[j1:j2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(("del", "".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("ins", "".join(new[j1:j2])))
    return pieces


def _seen_revisions(entries: list[dict[str, Any]]) -> dict[int, int]:
    """The text of each comment a moderator last had before them: the latest revision a
    moderator decided, noted or tried to decide; failing that, the revision the
    machine first published or held (what readers or the queue first showed)."""
    by_moderator: dict[int, int] = {}
    first_shown: dict[int, int] = {}
    for entry in entries:  # in the order they were written
        comment_id, revision = entry["comment_id"], entry["comment_revision"]
        if entry["actor"] == AuditEntry.Actor.MODERATOR:
            by_moderator[comment_id] = max(revision, by_moderator.get(comment_id, 0))
        elif entry["to_status"] in (Comment.Status.PUBLISHED, Comment.Status.HELD):
            first_shown.setdefault(comment_id, revision)
    return {**first_shown, **by_moderator}


def queue_details(comment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a moderator needs beside each comment of a queue page, in a fixed number of
    queries whatever the page size (seven at most):

    - the comment itself with the comment it answers (shortened, with its author) and
      a link to it in its thread (the article page at ``#comment-<id>``, which the
      widget opens at that comment);
    - the machine's latest assessment of the current text (score, explanation, rule
      hits), from the audit entries, which also tell which text a moderator last saw:
      an edited comment comes with the word diff from that text to the current one
      (the earlier texts are CommentRevisions);
    - the open reports with their reasons (of every revision: they stay open until a
      moderator decides);
    - the author's record: approved and rejected comments, first comment, account
      age, the restriction in force (ban, suspension and its end, with the reason)
      and the moderators' notes about them (how many, the latest)."""
    comments: dict[int, dict[str, Any]] = {
        row["id"]: dict(row)
        for row in Comment.objects.filter(pk__in=comment_ids).values(
            "id",
            "revision",
            "body",
            "author_id",
            "author__date_joined",
            "article__slug",
            "article__url",
            "parent_id",
            "parent__body",
            "parent__status",
            "parent__author__username",
        )
    }
    details: dict[int, dict[str, Any]] = {
        comment_id: {
            "explanation": [],
            "rules": [],
            "word_hits": [],
            "reports": {},
            "author": None,
            "parent": _parent(comment),
            "thread_url": comment_link(
                slug=comment["article__slug"], url=comment["article__url"], comment_id=comment_id
            ),
            "diff": None,
            "seen_revision": None,
        }
        for comment_id, comment in comments.items()
    }
    entries: list[dict[str, Any]] = [
        dict(entry)
        for entry in AuditEntry.objects.filter(comment_id__in=comment_ids)
        .exclude(actor=AuditEntry.Actor.AUTHOR)
        .order_by("comment_id", "created_at", "id")
        .values("comment_id", "comment_revision", "details", "reason", "actor", "to_status")
    ]
    for entry in entries:
        comment = comments[entry["comment_id"]]
        if entry["comment_revision"] != comment["revision"] or entry["actor"] == AuditEntry.Actor.MODERATOR:
            continue
        target = details[entry["comment_id"]]
        if entry["actor"] == AuditEntry.Actor.MODEL:
            target["explanation"] = entry["details"].get("explanation", [])
            target["word_hits"] = entry["details"].get("word_hits", [])
        target["rules"] = entry["details"].get("rules", []) or [entry["reason"]]
    _add_diffs(comments, details, _seen_revisions(entries))
    reports = (
        Report.objects.filter(comment_id__in=comment_ids, resolved_at__isnull=True)
        .values("comment_id", "reason")
        .annotate(count=Count("id"))
    )
    for report in reports:
        details[report["comment_id"]]["reports"][report["reason"]] = report["count"]
    _add_author_records(comments, details)
    return details


def _parent(comment: dict[str, Any]) -> dict[str, Any] | None:
    if comment["parent_id"] is None:
        return None
    body = comment["parent__body"] or ""
    return {
        "id": comment["parent_id"],
        "excerpt": body if len(body) <= PARENT_EXCERPT else body[: PARENT_EXCERPT - 1].rstrip() + "…",
        "author": comment["parent__author__username"],
        "status": comment["parent__status"],
    }


def _add_diffs(
    comments: dict[int, dict[str, Any]], details: dict[int, dict[str, Any]], seen: dict[int, int]
) -> None:
    """The word diff of each comment edited since the text a moderator last saw (one
    query, none when no comment on the page was edited since)."""
    earlier = {
        comment_id: revision
        for comment_id, revision in seen.items()
        if comment_id in comments and revision < comments[comment_id]["revision"]
    }
    if not earlier:
        return
    texts = CommentRevision.objects.filter(
        comment_id__in=list(earlier), revision__in=set(earlier.values())
    ).values_list("comment_id", "revision", "body")
    for comment_id, revision, body in texts:
        if earlier[comment_id] == revision:
            details[comment_id]["diff"] = word_diff(body, comments[comment_id]["body"])
            details[comment_id]["seen_revision"] = revision


def _add_author_records(comments: dict[int, dict[str, Any]], details: dict[int, dict[str, Any]]) -> None:
    """Each author's record, in three queries: their comments by outcome, their
    profile's restrictions, the moderators' notes about them."""
    authors = {row["author_id"] for row in comments.values() if row["author_id"]}
    records = {
        row["author_id"]: row
        for row in Comment.objects.filter(author_id__in=authors)
        .values("author_id")
        .annotate(
            approved=Count("id", filter=Q(status=Comment.Status.PUBLISHED)),
            rejected=Count("id", filter=Q(status=Comment.Status.REJECTED)),
            first_comment=Min("created_at"),
        )
    }
    profiles = {
        profile["user_id"]: dict(profile)
        for profile in ReaderProfile.objects.filter(user_id__in=authors).values(
            "user_id", "banned", "ban_reason", "suspended_until", "suspension_reason"
        )
    }
    notes: dict[int, list[dict[str, Any]]] = {}
    for note in (
        ReaderNote.objects.filter(reader_id__in=authors)
        .order_by("reader_id", "-created_at", "-id")
        .values("reader_id", "text", "created_at", "moderator__username")
    ):
        notes.setdefault(note["reader_id"], []).append(dict(note))
    now = timezone.now()
    for comment_id, comment in comments.items():
        author_id = comment["author_id"]
        if not author_id:
            continue
        record = records.get(author_id, {"approved": 0, "rejected": 0, "first_comment": None})
        profile: dict[str, Any] = profiles.get(author_id, {})
        suspended_until = profile.get("suspended_until")
        details[comment_id]["author"] = {
            "id": author_id,
            "approved": record["approved"],
            "rejected": record["rejected"],
            "first_comment": record["first_comment"],
            "account_age_days": (now - comment["author__date_joined"]).days,
            "banned": bool(profile.get("banned")),
            "ban_reason": profile.get("ban_reason", ""),
            "suspended_until": suspended_until if suspended_until and suspended_until > now else None,
            "suspension_reason": profile.get("suspension_reason", ""),
            "notes_count": len(notes.get(author_id, [])),
            "latest_note": notes[author_id][0] if author_id in notes else None,
        }
