"""What-if replay: the decisions recent comments would have had under other thresholds."""

from datetime import timedelta

from django.utils import timezone

from moderation.models import AuditEntry
from moderation.policy.policy import Thresholds, decide


def whatif_replay(*, publish_below: float, reject_above: float, days: int = 30) -> dict[str, int]:
    """Replay the comments decided in the last ``days`` days (with the score stored at
    the time) under other thresholds: how many would have been published, held or
    rejected, and how many that moderators rejected would have slipped through
    (been published without a human)."""
    since = timezone.now() - timedelta(days=days)
    scored = (
        AuditEntry.objects.filter(actor=AuditEntry.Actor.MODEL, created_at__gte=since, score__isnull=False)
        .order_by("comment_id", "-created_at")
        .values_list("comment_id", "score")
    )
    scores: dict[int, float] = {}
    for comment_id, score in scored:
        if score is not None:  # never, by the filter; the column itself may be null
            scores.setdefault(comment_id, score)  # the latest score of each comment
    rejected_by_moderators = set(
        AuditEntry.objects.filter(
            actor=AuditEntry.Actor.MODERATOR, to_status="rejected", comment_id__in=list(scores)
        ).values_list("comment_id", flat=True)
    )
    thresholds = Thresholds(publish_below=publish_below, reject_above=reject_above)
    counts = {"comments": len(scores), "published": 0, "held": 0, "rejected": 0}
    slipped = 0
    for comment_id, score in scores.items():
        status = decide(score, thresholds).status
        counts[status] += 1
        if status == "published" and comment_id in rejected_by_moderators:
            slipped += 1
    return {
        **counts,
        "rejected_by_moderators": len(rejected_by_moderators),
        "moderator_rejections_slipping_through": slipped,
    }
