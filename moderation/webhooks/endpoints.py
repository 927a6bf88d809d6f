"""Endpoints as administrators manage them: the secret made on creation and rotated
(the previous one signing on for WEBHOOK_SECRET_GRACE_HOURS), a test event, failed
deliveries sent again, and the cached list of subscriptions kept in step."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.events import TEST_EVENT, deliveries_enqueue, deliveries_write, subscriptions_forget
from moderation.webhooks.signing import secret_generate

State = WebhookDelivery.State


def endpoint_secret_assign(endpoint: WebhookEndpoint) -> str:
    """Give a new (unsaved) endpoint its secret; returns it."""
    endpoint.secret = secret_generate()
    return endpoint.secret


def endpoint_secret_rotate(*, endpoint_id: int) -> str:
    """A new secret for the endpoint; the current one keeps signing beside it for
    WEBHOOK_SECRET_GRACE_HOURS, so that the receiver can switch in that time. A
    secret rotated before that, which would be a third, stops signing at once."""
    secret = secret_generate()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(
            hours=settings.WEBHOOK_SECRET_GRACE_HOURS
        )
        endpoint.secret = secret
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return secret


def endpoint_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` event for this endpoint alone, whatever it subscribed to."""
    data = {"endpoint": endpoint.pk, "message": "A test event from Stammtisch."}
    return deliveries_write(event_type=TEST_EVENT, data=data, endpoint_ids=[endpoint.pk])[0]


def deliveries_redeliver(deliveries: QuerySet[WebhookDelivery]) -> int:
    """Send the chosen deliveries again, with the same webhook id and payload and a
    fresh schedule of attempts; an attempt in progress is left to finish. Deliveries
    of a disabled endpoint wait until it is enabled. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(deliveries.exclude(state=State.SENDING).values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, next_attempt_at=now, enqueued_at=now, claimed_until=None
        )
        deliveries_enqueue(ids)
    return len(ids)


def endpoint_changed(sender: Any, **kwargs: Any) -> None:
    """post_save and post_delete of an endpoint: the cached subscriptions are stale
    now and once the change commits."""
    subscriptions_forget()
    transaction.on_commit(subscriptions_forget)
