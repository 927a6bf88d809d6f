from celery import shared_task
from django.db import DatabaseError

from moderation.lifecycle import model_retrain
from moderation.registry import NoActiveModel
from moderation.services import comment_moderate


@shared_task(
    name="moderation.score_comment",
    autoretry_for=(DatabaseError, NoActiveModel),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=8,
)
def score_comment(comment_id: int) -> None:
    """Score and decide one comment. Safe to run any number of times."""
    comment_moderate(comment_id=comment_id)


@shared_task(name="moderation.retrain_model", acks_late=False)
def retrain_model() -> str | None:
    """Train a challenger on moderators' decisions; promote it if it is not worse.
    Not retried: the next scheduled run tries again."""
    row = model_retrain()
    return row.version if row else None
