"""Writes of moderation: the machine's decision on a waiting comment."""

import logging

from django.db import transaction

from discussion.models import Comment
from discussion.services import comment_change_status
from moderation.models import AuditEntry, ModelVersion
from moderation.policy import Thresholds, decide
from moderation.registry import active_model
from moderation.thresholds import thresholds_for

logger = logging.getLogger(__name__)


def site_thresholds(model_version: ModelVersion | None = None) -> Thresholds:
    """The policy thresholds for comments scored by ``model_version``."""
    return thresholds_for(model_version)


def comment_moderate(*, comment_id: int) -> AuditEntry | None:
    """Score a pending comment with the active model and publish, hold or reject it.

    Idempotent: only a comment still pending at the scored revision changes, so a
    redelivered message, a second worker or a moderator who decided first make this
    a no-op (returns None). The status change and its audit entry commit together.
    Raises NoActiveModel when there is no usable model; the comment stays pending.
    """
    comment = Comment.objects.filter(pk=comment_id).values("status", "revision", "body").first()
    if comment is None or comment["status"] != Comment.Status.PENDING:
        return None
    loaded = active_model()
    analysis = loaded.model.analyze(comment["body"])
    score = analysis.score
    verdict = decide(score, site_thresholds(loaded.row))
    with transaction.atomic():
        before = comment_change_status(
            comment_id=comment_id,
            from_statuses=[Comment.Status.PENDING],
            to_status=verdict.status,
            revision=comment["revision"],
            score=score,
        )
        if before is None:
            return None
        entry = AuditEntry.objects.create(
            comment_id=comment_id,
            comment_revision=comment["revision"],
            actor=AuditEntry.Actor.MODEL,
            model_version=loaded.row,
            from_status=before.status,
            to_status=verdict.status,
            reason=verdict.reason,
            score=score,
            details=analysis.details(),
        )
    logger.info(
        "comment %s: %s (score %.3f, model %s)", comment_id, verdict.status, score, loaded.row.version
    )
    return entry
