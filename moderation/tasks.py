import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from kombu import Connection, Queue
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from config.celery import app
from discussion.dispatch import SCORE_COMMENT_TASK
from moderation.dsa.notices import notices_send_due
from moderation.dsa.notify import dsa_mails_send_due
from moderation.dsa.statements import statements_for_long_holds
from moderation.dsa.transparency import TransparencyUnavailable, statements_submit
from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import SettingsAuditEntry
from moderation.notifications.mail import MailNotSent, author_notify
from moderation.services import ScoringFailed, comments_moderate, comments_sweep_pending
from moderation.webhooks.delivery import deliveries_send_due, delivery_attempt

logger = logging.getLogger(__name__)


@shared_task(
    name=SCORE_COMMENT_TASK,
    autoretry_for=(DatabaseError, NoActiveModel, ScoringFailed),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=10,
)
def score_comment(comment_id: int) -> None:
    """Score and decide this comment and, in the same batch, the others waiting in
    the queue behind it (up to MODERATION_BATCH_SIZE: ``waiting_comments``). Safe to
    run any number of times. Only named transient errors are retried; once retries
    run out the sweeper takes over.

    The messages taken for the batch are acknowledged once the batch's decisions
    have committed, and handed back to the queue if it fails, so a batch loses no
    more than one message does: a killed worker's are given back by Redis after the
    visibility timeout, like its own. A comment whose scoring raised is sent again
    with a delay that doubles with each attempt (its own message retries as before)."""
    active_model()  # no model: retried, and nothing taken from the queue meanwhile
    with waiting_comments() as more:
        batch = [comment_id, *more]
        result = comments_moderate(comment_ids=batch)
    for other, failure in result.failed.items():
        if other != comment_id:
            attempt = result.attempts.get(other, 1)
            countdown = random.uniform(0, min(2**attempt, 120))  # noqa: S311 - jitter, as autoretry's
            score_comment.apply_async(args=(other,), countdown=countdown)
            logger.warning("%s; sent again in %.0f s", failure, countdown)
    if comment_id in result.failed:
        raise result.failed[comment_id]


_connection: tuple[int, Connection] | None = None


def _broker() -> Connection:
    """This worker process's own connection for taking messages (not the consumer's)."""
    global _connection
    if _connection is None or _connection[0] != os.getpid():
        _connection = (os.getpid(), app.connection_for_read())
    return _connection[1]


def _forget_broker() -> None:
    global _connection
    if _connection is not None:
        with suppress(KombuError, RedisError, OSError):
            _connection[1].release()
    _connection = None


def _comment_of(message: Any) -> int | None:
    """The comment a taken message asks to score now; None for any other message (a
    retry with a delay, another task, something unreadable), which goes back."""
    try:
        headers = message.headers
        eta = headers.get("eta")
        if headers.get("task") != SCORE_COMMENT_TASK or (
            eta and datetime.fromisoformat(eta) > timezone.now()
        ):
            return None
        return int(message.decode()[0][0])
    except (KombuError, ValueError, TypeError, LookupError):
        return None


@contextmanager
def waiting_comments() -> Iterator[list[int]]:
    """The ids of comments waiting in the "moderation" queue, taken for a batch: up to
    MODERATION_BATCH_SIZE - 1 of them. While they keep coming, up to
    MODERATION_BATCH_WAIT_MS is spent waiting for the next; when the queue is empty
    at the first look, none (a lone comment is not kept waiting).

    Their messages stay unacknowledged in Redis while the batch runs, as a message
    a worker executes does: acknowledged when the block ends without an error,
    handed back to the queue when it raises. A message that is not a comment's
    scoring due now (a retry with a delay) is handed back and ends the taking. A
    broker that cannot be reached ends it too: the batch is what was taken so far."""
    limit = settings.MODERATION_BATCH_SIZE - 1
    wait = settings.MODERATION_BATCH_WAIT_MS / 1000
    taken: list[Any] = []
    ids: list[int] = []
    if limit > 0:
        try:
            queue = Queue("moderation").bind(_broker().default_channel)
            deadline = None
            while len(ids) < limit:
                message = queue.get(no_ack=False, accept=["application/json"])
                if message is None:
                    if not ids:
                        break
                    now = time.monotonic()
                    deadline = deadline or now + wait
                    if now >= deadline:
                        break
                    time.sleep(min(0.001, deadline - now))
                    continue
                comment = _comment_of(message)
                if comment is None:
                    message.reject(requeue=True)
                    break
                taken.append(message)
                ids.append(comment)
                deadline = None
        except (KombuError, RedisError, OSError) as exc:
            logger.warning("taking waiting comments from the queue: %r", exc)
            _forget_broker()
    try:
        yield ids
    except BaseException:
        _settle(taken, ack=False)
        raise
    _settle(taken, ack=True)


def _settle(messages: list[Any], *, ack: bool) -> None:
    for message in messages:
        try:
            if ack:
                message.ack()
            else:
                message.reject(requeue=True)
        except (KombuError, RedisError, OSError) as exc:
            # Left unacknowledged: Redis gives it back after the visibility timeout.
            logger.warning("settling a taken message: %r", exc)
            _forget_broker()
            return


@shared_task(name="moderation.sweep_pending", ignore_result=True)
def sweep_pending() -> None:
    comments_sweep_pending()


@worker_init.connect
def import_the_model_libraries(**kwargs: object) -> None:
    """Import the classifier with numpy, SciPy and scikit-learn in the worker's main
    process, before it forks its pool: the pool processes share them and load only
    the model itself. (Nothing else imports them at start-up, so that the web
    process stays without them.)"""
    import moderation.classifier.persist  # noqa: F401


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


@shared_task(
    name="moderation.author_notify",
    ignore_result=True,
    autoretry_for=(MailNotSent, DatabaseError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def author_notify_task(entry_id: int) -> None:
    """The mails to authors a committed decision makes (moderation.notifications);
    retried with backoff while the mail server fails, for about a day at most."""
    author_notify(entry_id=entry_id)


@shared_task(name="moderation.webhook_deliver", ignore_result=True, acks_late=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt at a webhook delivery, if it is due; a no-op otherwise (delivered,
    not yet due, or another worker has it). Failures are not retried by Celery: the
    delivery's own schedule sends it again (moderation.webhooks.delivery)."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="moderation.webhooks_send_due", ignore_result=True)
def webhooks_send_due() -> None:
    """Webhook deliveries whose next attempt is due, or whose message or worker was
    lost, back to the queue."""
    deliveries_send_due()
