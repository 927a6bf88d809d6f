from celery import shared_task
from django.db import DatabaseError

from moderation.registry import NoActiveModel
from moderation.services import ScoringFailed, comment_moderate, comments_sweep_pending


@shared_task(
    name="moderation.score_comment",
    autoretry_for=(DatabaseError, NoActiveModel, ScoringFailed),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=10,
)
def score_comment(comment_id: int) -> None:
    """Score and decide one comment. Safe to run any number of times. Only named
    transient errors are retried; once retries run out the sweeper takes over."""
    comment_moderate(comment_id=comment_id)


@shared_task(name="moderation.sweep_pending", ignore_result=True)
def sweep_pending() -> None:
    comments_sweep_pending()
