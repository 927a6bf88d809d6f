"""Attempts to deliver: each claimed by a conditional update, so that of two workers
holding the same delivery (a redelivered message, the periodic task's pick-up) only
one sends the attempt.

After a failure (no answer, or any status outside 2xx, redirects included) the next
attempt follows the schedule of Standard Webhooks' recommendation, with up to a
tenth added at random so that failed deliveries do not all come back at once; a
``Retry-After`` on 429, 502, 503 or 504 pushes it later, never earlier. ``410 Gone``
disables the endpoint. After the last attempt the delivery has failed for good; the
admin can send it again.

Short waits go to the queue with a countdown; longer ones are picked up by
``webhooks_send_due`` (every WEBHOOK_SWEEP_INTERVAL seconds), which also takes up
deliveries whose message was lost (Redis restarted) or whose worker died mid-attempt.
"""

import http.client
import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.addresses import RefusedAddress, post, url_resolve
from moderation.webhooks.events import deliveries_enqueue, subscriptions_forget
from moderation.webhooks.signing import signature_header

logger = logging.getLogger(__name__)

State = WebhookDelivery.State

# Waits after the 1st, 2nd, … failed attempt; the first attempt goes at once, so a
# delivery is tried 10 times over about three days.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
RETRY_AFTER_STATUSES = {429, 502, 503, 504}
RETRY_AFTER_MAX = timedelta(hours=24)
# Waits up to this long are a countdown on the queue; longer ones wait for the
# periodic task, so that no message sits in Redis for hours.
QUEUE_COUNTDOWN_MAX = timedelta(seconds=60)
# A message sent this long ago is taken for lost: the periodic task sends another.
REQUEUE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    state: str
    status_code: int | None
    error: str
    next_attempt_at: datetime | None


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery for one attempt if it is due (or its last attempt was lost)
    and its endpoint is enabled: one conditional UPDATE, of which one caller wins."""
    # The timeout bounds each network wait (connect, send, the answer's head, its
    # body), not the whole request: hold the delivery for a few of them, so that an
    # attempt still running is not taken for lost.
    hold = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 4 + 60)
    due = Q(state=State.PENDING, next_attempt_at__lte=now) | Q(state=State.SENDING, claimed_until__lt=now)
    claimed = WebhookDelivery.objects.filter(due, pk=delivery_id, endpoint__is_enabled=True).update(
        state=State.SENDING, attempts=F("attempts") + 1, claimed_until=now + hold, last_attempt_at=now
    )
    if claimed != 1:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    in_use = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        in_use.append(endpoint.previous_secret)
    return in_use


def request_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def request_headers(delivery: WebhookDelivery, *, body: bytes, now: datetime) -> dict[str, str]:
    webhook_id = f"msg_{delivery.webhook_id.hex}"
    timestamp = int(now.timestamp())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets_in_use=_secrets_in_use(delivery.endpoint, now),
            webhook_id=webhook_id,
            timestamp=timestamp,
            body=body,
        ),
    }


def _retry_after(value: str, now: datetime) -> timedelta | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(timedelta(seconds=int(value)), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when - now, timedelta(0)), RETRY_AFTER_MAX)


def _next_attempt(attempts: int, now: datetime, *, at_least: timedelta | None) -> datetime | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = RETRY_SCHEDULE[attempts - 1]
    wait += wait * random.uniform(0, 0.1)  # noqa: S311  (jitter, not a secret)
    if at_least is not None:
        wait = max(wait, at_least)
    return now + wait


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> bool:
    """Write the attempt's outcome, if the delivery is still held by this attempt."""
    changes: dict[str, object] = {
        "state": outcome.state,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
        "next_attempt_at": outcome.next_attempt_at,
        "claimed_until": None,
    }
    if outcome.state == State.DELIVERED:
        changes["delivered_at"] = now
    if outcome.next_attempt_at is not None and outcome.next_attempt_at - now <= QUEUE_COUNTDOWN_MAX:
        # The message goes with a countdown: on its way until then.
        changes["enqueued_at"] = outcome.next_attempt_at
    held = WebhookDelivery.objects.filter(pk=delivery.pk, state=State.SENDING, attempts=delivery.attempts)
    return held.update(**changes) == 1


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Outcome | None:
    """Make one attempt at the delivery if it is due; None if it is not (delivered,
    failed, not yet due, another worker has it, or its endpoint is disabled).
    Runs outside any transaction: the request waits on the network."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = request_body(delivery)
    status: int | None = None
    at_least: timedelta | None = None
    try:
        target = url_resolve(endpoint.url)
        answer = post(target, body=body, headers=request_headers(delivery, body=body, now=now))
    except RefusedAddress as exc:
        error = f"refused: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    else:
        status = answer.status
        error = "" if 200 <= status < 300 else f"HTTP {status}"
        if status in RETRY_AFTER_STATUSES:
            at_least = _retry_after(answer.retry_after, now)
    if status is not None and 200 <= status < 300:
        outcome = Outcome(State.DELIVERED, status, "", None)
    elif status == 410:
        outcome = Outcome(State.FAILED, status, error, None)
    else:
        next_at = _next_attempt(delivery.attempts, now, at_least=at_least)
        outcome = Outcome(State.PENDING if next_at else State.FAILED, status, error, next_at)
    if not _record(delivery, outcome, now):
        return None
    if status == 410:
        endpoint_disable(endpoint_id=endpoint.pk, reason="410 Gone", now=now)
    if outcome.state == State.PENDING and outcome.next_attempt_at is not None:
        wait = outcome.next_attempt_at - now
        if wait <= QUEUE_COUNTDOWN_MAX:
            deliveries_enqueue([delivery.pk], countdown=wait.total_seconds())
    logger.info(
        "webhook %s to endpoint %s, attempt %d: %s",
        delivery.event_type,
        endpoint.pk,
        delivery.attempts,
        error or f"HTTP {status}",
    )
    return outcome


def endpoint_disable(*, endpoint_id: int, reason: str, now: datetime | None = None) -> bool:
    """Disable an endpoint (its receiver answered 410); its waiting deliveries wait
    until it is enabled again."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_enabled=True).update(
        is_enabled=False, disabled_at=now or timezone.now(), disabled_reason=reason[:255]
    )
    subscriptions_forget()
    return changed == 1


def deliveries_send_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Send to the queue the deliveries that are due and not already on their way,
    and those whose attempt was lost with its worker; returns how many."""
    now = now or timezone.now()
    due = (
        Q(state=State.PENDING, next_attempt_at__lte=now)
        & (
            Q(enqueued_at__isnull=True)
            | Q(enqueued_at__lt=F("next_attempt_at"))
            | Q(enqueued_at__lt=now - REQUEUE_AFTER)
        )
    ) | Q(state=State.SENDING, claimed_until__lt=now)
    ids = list(
        WebhookDelivery.objects.filter(due, endpoint__is_enabled=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        deliveries_enqueue(ids)
    return len(ids)
