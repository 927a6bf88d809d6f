"""Raising events: one delivery row per subscribed endpoint, written in the
transaction that made the change, so that the event exists exactly when the change
does (a rollback leaves neither). The queue hears of the rows once the transaction
commits; if it cannot be reached, the periodic task finds them (delivery.py).

Payloads are thin: ids, the article's slug, statuses, reason codes and links, no
text and no names. What a receiver needs beyond that it reads from the API.

Which endpoints want which events is read once and kept in the cache (the Redis
cache all processes share) until an endpoint changes, so that a change with no
endpoint to tell costs no query. Saving or deleting an endpoint drops the cached
list; a process that read the old list just before may keep it for at most
SUBSCRIPTIONS_TTL seconds.
"""

import logging
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import RedisError

from articles.selectors import comment_link
from config.celery import app
from discussion.models import Comment
from moderation.dsa.mail import absolute
from moderation.models import AuditEntry, Notice, ReaderAuditEntry, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

DELIVER_TASK = "moderation.webhook_deliver"
SUBSCRIPTIONS_KEY = "webhooks:subscriptions"
SUBSCRIPTIONS_TTL = 60

Status = Comment.Status
COMMENT_CREATED = "comment.created"
COMMENT_STATUS_EVENTS: dict[str, str] = {
    Status.PUBLISHED: "comment.published",
    Status.HELD: "comment.held",
    Status.REJECTED: "comment.rejected",
    Status.REMOVED: "comment.removed",
}
# A moderator made a published comment an editors' pick (audit reason "feature").
COMMENT_FEATURED = "comment.featured"
FEATURE_REASON = "feature"
REPORT_CREATED = "report.created"
NOTICE_CREATED = "notice.created"
READER_RESTRICTED = "reader.restricted"
TEST_EVENT = "webhook.test"
EVENT_TYPES = (
    COMMENT_CREATED,
    *COMMENT_STATUS_EVENTS.values(),
    COMMENT_FEATURED,
    REPORT_CREATED,
    NOTICE_CREATED,
    READER_RESTRICTED,
)
# A moderator's actions on a reader that restrict them.
READER_RESTRICTIONS = (
    ReaderAuditEntry.Action.SUSPEND,
    ReaderAuditEntry.Action.BAN,
    ReaderAuditEntry.Action.PREMODERATE,
)


def subscriptions_forget() -> None:
    """Drop the cached list of endpoints (an endpoint was saved or deleted)."""
    try:
        cache.delete(SUBSCRIPTIONS_KEY)
    except RedisError:
        logger.warning(
            "webhook subscriptions: the cache is unreachable; they refresh within %ds", SUBSCRIPTIONS_TTL
        )


def _subscriptions() -> list[list[Any]]:
    """[endpoint id, events (empty: all)] of every enabled endpoint."""
    try:
        cached = cache.get(SUBSCRIPTIONS_KEY)
    except RedisError:
        cached = None
    if isinstance(cached, list):
        return cached
    found = [
        [pk, list(events or [])]
        for pk, events in WebhookEndpoint.objects.filter(is_enabled=True)
        .order_by("pk")
        .values_list("pk", "events")
    ]
    try:
        cache.set(SUBSCRIPTIONS_KEY, found, SUBSCRIPTIONS_TTL)
    except RedisError:
        logger.warning("webhook subscriptions: the cache is unreachable; read from the database")
    return found


def endpoints_subscribed(event_type: str) -> list[int]:
    return [pk for pk, events in _subscriptions() if not events or event_type in events]


def deliveries_enqueue(delivery_ids: list[int], *, countdown: float = 0) -> None:
    """Send the deliveries to the queue once the current transaction commits. A
    broker that cannot be reached is logged; the periodic task sends them later."""
    if not delivery_ids:
        return

    def send() -> None:
        for delivery_id in delivery_ids:
            app.send_task(DELIVER_TASK, args=[delivery_id], countdown=countdown or None)

    transaction.on_commit(send, robust=True)


def deliveries_write(
    *, event_type: str, data: dict[str, Any], endpoint_ids: list[int], when: datetime | None = None
) -> list[WebhookDelivery]:
    """Write one delivery of the event per endpoint and enqueue them on commit."""
    if not endpoint_ids:
        return []
    now = when or timezone.now()
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint_id=pk,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
                enqueued_at=now,
                created_at=now,
            )
            for pk in endpoint_ids
        )
        deliveries_enqueue([row.pk for row in rows])
    return rows


def webhook_event_raise(event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Raise an event for every endpoint that subscribed to it; call it inside the
    transaction of the change. No query when no endpoint is subscribed (and the
    list is cached)."""
    return deliveries_write(event_type=event_type, data=data, endpoint_ids=endpoints_subscribed(event_type))


def _comment_data(
    *, comment_id: int, article_slug: str, article_url: str, parent_id: int | None, revision: int
) -> dict[str, Any]:
    return {
        "id": comment_id,
        "article": article_slug,
        "parent": parent_id,
        "revision": revision,
        "url": absolute(comment_link(slug=article_slug, url=article_url, comment_id=comment_id)),
        "api_url": absolute(reverse("comment-detail", args=[comment_id])),
    }


def _comment_data_read(comment_id: int, revision: int | None = None) -> dict[str, Any]:
    slug, url, parent_id, current = (
        Comment.objects.filter(pk=comment_id)
        .values_list("article__slug", "article__url", "parent_id", "revision")
        .get()
    )
    return _comment_data(
        comment_id=comment_id,
        article_slug=slug,
        article_url=url,
        parent_id=parent_id,
        revision=revision if revision is not None else current,
    )


def webhook_event_for_new_comment(comment: Comment) -> None:
    """comment.created: a reader wrote a comment (or a reply); it waits to be scored."""
    endpoint_ids = endpoints_subscribed(COMMENT_CREATED)
    if not endpoint_ids:
        return
    data = {
        "comment": _comment_data(
            comment_id=comment.pk,
            article_slug=comment.article.slug,
            article_url=comment.article.url,
            parent_id=comment.parent_id,
            revision=comment.revision,
        ),
        "status": comment.status,
    }
    deliveries_write(event_type=COMMENT_CREATED, data=data, endpoint_ids=endpoint_ids)


def webhook_events_for_comment_entry(entry: AuditEntry) -> None:
    """comment.published, .held, .rejected or .removed: the audit entry of a change of
    a comment's status, by the model, a moderator, the system or its author.
    comment.featured: the audit entry of a moderator making it an editors' pick."""
    featured = entry.reason == FEATURE_REASON and entry.actor == AuditEntry.Actor.MODERATOR
    event_type = COMMENT_FEATURED if featured else COMMENT_STATUS_EVENTS.get(entry.to_status)
    if event_type is None or (entry.from_status == entry.to_status and not featured):
        return
    endpoint_ids = endpoints_subscribed(event_type)
    if not endpoint_ids:
        return
    data = {
        "comment": _comment_data_read(entry.comment_id, entry.comment_revision),
        "from_status": entry.from_status,
        "status": entry.to_status,
        "actor": entry.actor,
        "reason": entry.reason,
        # An edit of a published comment that waits or was rejected leaves its
        # published revision on show: which one, else null.
        "shown_revision": Comment.objects.filter(
            pk=entry.comment_id, status__in=Comment.WAITING_EDIT_STATUSES
        )
        .values_list("published_revision", flat=True)
        .first(),
    }
    deliveries_write(event_type=event_type, data=data, endpoint_ids=endpoint_ids)


def webhook_events_for_reader_entry(entry: ReaderAuditEntry) -> None:
    """reader.restricted: a moderator suspended, banned or pre-moderated a reader."""
    if entry.action not in READER_RESTRICTIONS:
        return
    endpoint_ids = endpoints_subscribed(READER_RESTRICTED)
    if not endpoint_ids:
        return
    data = {
        "reader": {"id": entry.reader_id},
        "action": entry.action,
        "until": entry.until.isoformat() if entry.until else None,
        "reason": entry.reason,
    }
    deliveries_write(event_type=READER_RESTRICTED, data=data, endpoint_ids=endpoint_ids)


def webhook_event_for_report(*, report_id: int, comment_id: int, reason: str, report_count: int) -> None:
    """report.created: a reader reported a published comment."""
    endpoint_ids = endpoints_subscribed(REPORT_CREATED)
    if not endpoint_ids:
        return
    data = {
        "report": {"id": report_id, "reason": reason},
        "comment": _comment_data_read(comment_id),
        "report_count": report_count,
    }
    deliveries_write(event_type=REPORT_CREATED, data=data, endpoint_ids=endpoint_ids)


def webhook_event_for_notice(notice: Notice) -> None:
    """notice.created: someone sent a notice of illegal content (DSA Art. 16). Who
    sent it is left out."""
    endpoint_ids = endpoints_subscribed(NOTICE_CREATED)
    if not endpoint_ids:
        return
    data = {
        "notice": {"id": notice.pk, "legal_ground": notice.legal_ground, "status": notice.status},
        "comment": (
            _comment_data_read(notice.comment_id, notice.comment_revision) if notice.comment_id else None
        ),
    }
    deliveries_write(event_type=NOTICE_CREATED, data=data, endpoint_ids=endpoint_ids)
