"""Reads of moderation."""

from datetime import datetime, timedelta
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

from discussion.models import Comment, Report
from moderation.classifier.checksum import sha256_of
from moderation.modelops.registry import model_path
from moderation.models import AuditEntry, ModelVersion
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


def queue_details(comment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a moderator needs beside each comment of a queue page, in three queries
    whatever the page size: the machine's latest assessment of the current text
    (score, explanation, rule hits), the open reports with their reasons (of every
    revision: they stay open until a moderator decides), and the author's record
    (approved and rejected comments, account age)."""
    comments = {
        row["id"]: row
        for row in Comment.objects.filter(pk__in=comment_ids).values(
            "id", "revision", "author_id", "author__date_joined"
        )
    }
    details: dict[int, dict[str, Any]] = {
        comment_id: {"explanation": [], "rules": [], "word_hits": [], "reports": {}, "author": None}
        for comment_id in comments
    }
    assessments = AuditEntry.objects.filter(
        comment_id__in=comment_ids, actor__in=[AuditEntry.Actor.MODEL, AuditEntry.Actor.SYSTEM]
    ).order_by("comment_id", "created_at", "id")
    for entry in assessments.values("comment_id", "comment_revision", "details", "reason", "actor"):
        comment = comments[entry["comment_id"]]
        if entry["comment_revision"] != comment["revision"]:
            continue
        target = details[entry["comment_id"]]
        if entry["actor"] == AuditEntry.Actor.MODEL:
            target["explanation"] = entry["details"].get("explanation", [])
            target["word_hits"] = entry["details"].get("word_hits", [])
        target["rules"] = entry["details"].get("rules", []) or [entry["reason"]]
    reports = (
        Report.objects.filter(comment_id__in=comment_ids, resolved_at__isnull=True)
        .values("comment_id", "reason")
        .annotate(count=Count("id"))
    )
    for report in reports:
        details[report["comment_id"]]["reports"][report["reason"]] = report["count"]
    authors = {row["author_id"] for row in comments.values() if row["author_id"]}
    records = {
        row["author_id"]: row
        for row in Comment.objects.filter(author_id__in=authors)
        .values("author_id")
        .annotate(
            approved=Count("id", filter=Q(status=Comment.Status.PUBLISHED)),
            rejected=Count("id", filter=Q(status=Comment.Status.REJECTED)),
        )
    }
    now = timezone.now()
    for comment_id, comment in comments.items():
        if comment["author_id"]:
            record = records.get(comment["author_id"], {"approved": 0, "rejected": 0})
            details[comment_id]["author"] = {
                "approved": record["approved"],
                "rejected": record["rejected"],
                "account_age_days": (now - comment["author__date_joined"]).days,
            }
    return details
