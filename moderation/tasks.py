import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import DatabaseError, close_old_connections

from moderation.dsa.notices import notices_send_due
from moderation.dsa.notify import dsa_mails_send_due
from moderation.dsa.statements import statements_for_long_holds
from moderation.dsa.transparency import TransparencyUnavailable, statements_submit
from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import SettingsAuditEntry
from moderation.services import ScoringFailed, comment_moderate, comments_sweep_pending

logger = logging.getLogger(__name__)


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


@worker_process_init.connect
def load_model_before_the_first_comment(**kwargs: object) -> None:
    """Load the active model when a worker process starts, so that the first
    comments do not wait for it (and a broken model shows in health at once)."""
    try:
        active_model()
    except NoActiveModel as exc:
        logger.error("no usable model at worker start: %s", exc)
    finally:
        close_old_connections()


@shared_task(name="moderation.retrain_model", acks_late=False)
def retrain_model() -> str | None:
    """Train a challenger on moderators' decisions; promote it if it is not worse.
    Not retried: the next scheduled run tries again."""
    # Imported here: the web process imports this module to send the task, and
    # training's scikit-learn is for the worker.
    from moderation.modelops.lifecycle import model_retrain

    row = model_retrain(source=SettingsAuditEntry.Source.TASK)
    return row.version if row else None


@shared_task(name="moderation.dsa_send_due", ignore_result=True)
def dsa_send_due() -> None:
    """The Digital Services Act's periodic work: statements for comments held too
    long, and the mails that could not be sent at once."""
    statements_for_long_holds()
    notices_send_due()
    dsa_mails_send_due()


@shared_task(
    name="moderation.dsa_submit_statements",
    ignore_result=True,
    autoretry_for=(TransparencyUnavailable, DatabaseError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def dsa_submit_statements() -> None:
    """Submit the statements of reasons not yet in the EU Transparency Database, in
    batches of at most 100 (nothing without DSA_TRANSPARENCY_TOKEN). Retried with
    backoff while the database is unreachable or failing; a refused token is not
    retried (the next hourly run tries again, and the log says why)."""
    result = statements_submit()
    if result.calls:
        logger.info(
            "transparency database: %d statements submitted, %d refused, %d calls",
            result.submitted,
            result.failed,
            result.calls,
        )
