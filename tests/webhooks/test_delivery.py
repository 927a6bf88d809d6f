"""Delivering to a real local receiver that checks each request with the Standard
Webhooks reference library: the signature, the retries after a failure with the same
webhook id, 410, Retry-After, redirects and the secret's rotation."""

import itertools
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.delivery import MAX_ATTEMPTS, deliveries_send_due, delivery_attempt
from moderation.webhooks.endpoints import deliveries_redeliver, endpoint_secret_rotate, endpoint_test_send
from moderation.webhooks.events import webhook_event_raise
from tests.conftest import point_celery_at
from tests.processes import free_port

State = WebhookDelivery.State


def raise_event(data: dict | None = None) -> WebhookDelivery:
    (delivery,) = webhook_event_raise("comment.published", data or {"comment": {"id": 7}})
    return delivery


def test_a_delivery_is_signed_as_the_reference_library_verifies(endpoint, receiver) -> None:
    delivery = raise_event()

    outcome = delivery_attempt(delivery_id=delivery.pk)

    (request,) = receiver.received
    assert request.error == ""
    assert request.payload["type"] == "comment.published"
    assert request.payload["data"] == {"comment": {"id": 7}}
    assert request.headers["webhook-id"] == f"msg_{delivery.webhook_id.hex}"
    assert request.headers["content-type"] == "application/json"
    assert "Stammtisch" in request.headers["user-agent"]
    assert request.path == "/hooks/stammtisch"
    assert outcome is not None and outcome.state == State.DELIVERED
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None


def test_a_request_signed_with_another_secret_fails_verification(endpoint, receiver) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret="whsec_" + "QUJD" * 8)
    delivery = raise_event()

    delivery_attempt(delivery_id=delivery.pk)

    (request,) = receiver.received
    assert request.error == "No matching signature found"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status_code) == (State.PENDING, 401)
    assert delivery.last_error == "HTTP 401"


def test_after_a_500_the_retry_carries_the_same_webhook_id_and_succeeds(endpoint, receiver) -> None:
    receiver.script = [(500, {})]
    delivery = raise_event()
    start = timezone.now()

    first = delivery_attempt(delivery_id=delivery.pk, now=start)

    assert first is not None and first.state == State.PENDING
    assert first.status_code == 500
    # The first retry waits 5 seconds (plus up to a tenth): not earlier.
    assert timedelta(seconds=5) <= first.next_attempt_at - start <= timedelta(seconds=5.5)
    assert delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(seconds=4)) is None
    second = delivery_attempt(delivery_id=delivery.pk, now=first.next_attempt_at)

    assert second is not None and second.state == State.DELIVERED
    one, two = receiver.received
    assert one.headers["webhook-id"] == two.headers["webhook-id"]
    assert one.payload == two.payload
    assert int(two.headers["webhook-timestamp"]) >= int(one.headers["webhook-timestamp"]) + 5
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.DELIVERED, 2, 200)


def test_a_delivered_delivery_is_not_sent_again_by_a_second_message(endpoint, receiver) -> None:
    delivery = raise_event()

    delivery_attempt(delivery_id=delivery.pk)
    assert delivery_attempt(delivery_id=delivery.pk) is None

    assert len(receiver.received) == 1


def test_redirects_are_failures_and_not_followed(endpoint, receiver) -> None:
    receiver.script = [(302, {"Location": "http://169.254.169.254/latest/meta-data/"})]
    delivery = raise_event()

    outcome = delivery_attempt(delivery_id=delivery.pk)

    assert outcome is not None and (outcome.state, outcome.status_code) == (State.PENDING, 302)
    assert len(receiver.received) == 1


def test_410_disables_the_endpoint(endpoint, receiver) -> None:
    receiver.script = [(410, {})]
    delivery = raise_event()
    waiting = raise_event()

    delivery_attempt(delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.is_enabled
    assert endpoint.disabled_reason == "410 Gone"
    assert (delivery.state, delivery.last_status_code) == (State.FAILED, 410)
    # The others wait for the endpoint to be enabled again; no new events are written for it.
    assert delivery_attempt(delivery_id=waiting.pk) is None
    assert webhook_event_raise("comment.published", {}) == []
    assert len(receiver.received) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_pushes_the_next_attempt_later(endpoint, receiver, status) -> None:
    receiver.script = [(status, {"Retry-After": "120"})]
    delivery = raise_event()
    start = timezone.now()

    outcome = delivery_attempt(delivery_id=delivery.pk, now=start)

    assert outcome is not None
    assert outcome.next_attempt_at - start == timedelta(seconds=120)
    assert delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(seconds=60)) is None
    retried = delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(seconds=120))
    assert retried is not None and retried.state == State.DELIVERED


def test_retry_after_as_a_date_is_honoured(endpoint, receiver) -> None:
    start = (timezone.now() + timedelta(seconds=1)).replace(microsecond=0)
    later = start + timedelta(minutes=10)
    receiver.script = [(503, {"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")})]
    delivery = raise_event()

    outcome = delivery_attempt(delivery_id=delivery.pk, now=start)

    assert outcome is not None and outcome.next_attempt_at == later


def test_a_receiver_that_never_answers_well_fails_the_delivery_after_the_last_attempt(
    endpoint, receiver
) -> None:
    receiver.script = [(500, {})] * MAX_ATTEMPTS
    delivery = raise_event()
    now = timezone.now()

    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcome = delivery_attempt(delivery_id=delivery.pk, now=now)
        outcomes.append(outcome)
        now = outcome.next_attempt_at or now

    assert [o.state for o in outcomes] == [State.PENDING] * (MAX_ATTEMPTS - 1) + [State.FAILED]
    waits = [b.next_attempt_at - a.next_attempt_at for a, b in itertools.pairwise(outcomes[:-1])]
    assert waits == sorted(waits)  # each wait longer than the one before
    assert outcomes[-2].next_attempt_at - outcomes[0].next_attempt_at > timedelta(days=2)
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_refused_connection_is_retried(endpoint, receiver, settings) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/nobody-listens")
    delivery = raise_event()

    outcome = delivery_attempt(delivery_id=delivery.pk)

    assert outcome is not None and outcome.state == State.PENDING
    assert "ConnectionRefusedError" in outcome.error


def test_during_a_rotation_both_secrets_sign(endpoint, receiver) -> None:
    old = receiver.secret
    new = endpoint_secret_rotate(endpoint_id=endpoint.pk)
    delivery = raise_event()

    delivery_attempt(delivery_id=delivery.pk)

    (request,) = receiver.received
    assert request.error == ""  # the receiver still has the old secret
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(request.body, request.headers)["type"] == "comment.published"
    assert old != new and new.startswith("whsec_")


def test_after_the_grace_period_only_the_new_secret_signs(endpoint, receiver) -> None:
    new = endpoint_secret_rotate(endpoint_id=endpoint.pk)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    receiver.secret = new
    delivery = raise_event()

    delivery_attempt(delivery_id=delivery.pk)

    (request,) = receiver.received
    assert request.error == ""
    assert len(request.headers["webhook-signature"].split(" ")) == 1


def test_a_test_event_goes_to_its_endpoint_whatever_it_subscribed_to(endpoint, receiver) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["report.created"])
    delivery = endpoint_test_send(endpoint=endpoint)

    delivery_attempt(delivery_id=delivery.pk)

    assert receiver.received[0].payload["type"] == "webhook.test"


def test_a_failed_delivery_is_sent_again_on_request(endpoint, receiver) -> None:
    receiver.script = [(410, {})]
    delivery = raise_event()
    delivery_attempt(delivery_id=delivery.pk)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_enabled=True)

    assert deliveries_redeliver(WebhookDelivery.objects.filter(pk=delivery.pk)) == 1
    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.DELIVERED, 1)
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]


def test_the_periodic_task_takes_up_due_and_lost_deliveries_only(endpoint, receiver) -> None:
    fresh = raise_event()  # its message is on its way
    lost = raise_event()
    now = timezone.now() + timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=lost.pk).update(enqueued_at=now - timedelta(minutes=10))
    stuck = raise_event()
    WebhookDelivery.objects.filter(pk=stuck.pk).update(
        state=State.SENDING, claimed_until=now - timedelta(seconds=1)
    )
    later = raise_event()
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(hours=1))
    done = raise_event()
    delivery_attempt(delivery_id=done.pk)

    assert deliveries_send_due(now=now) == 2
    assert set(WebhookDelivery.objects.filter(enqueued_at=now).values_list("pk", flat=True)) == {
        lost.pk,
        stuck.pk,
    }
    assert fresh.pk  # left alone
    # The lost attempt is taken over: sent once more, and delivered.
    assert delivery_attempt(delivery_id=stuck.pk, now=now).state == State.DELIVERED


def test_two_workers_holding_the_same_delivery_send_it_once(endpoint, receiver) -> None:
    delivery = raise_event()
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=State.SENDING, claimed_until=now + timedelta(minutes=1), attempts=1
    )

    assert delivery_attempt(delivery_id=delivery.pk, now=now) is None
    assert receiver.received == []


def test_an_event_raised_in_a_transaction_that_rolls_back_sends_nothing(
    endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        raise_event()
        raise RuntimeError("the change fails")

    assert not WebhookDelivery.objects.exists()
    assert callbacks == []
    assert deliveries_send_due() == 0


def test_with_the_broker_unreachable_the_delivery_waits_for_the_periodic_task(
    endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    point_celery_at(dead)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = raise_event()  # the message cannot be sent; the change stands
    finally:
        point_celery_at(django_settings.CELERY_BROKER_URL)

    assert WebhookDelivery.objects.get().state == State.PENDING
    assert deliveries_send_due() == 0  # a message may still be on its way
    # Some minutes later no worker has taken it: the periodic task sends it again.
    WebhookDelivery.objects.update(enqueued_at=timezone.now() - timedelta(minutes=6))
    assert deliveries_send_due() == 1
    outcome = delivery_attempt(delivery_id=delivery.pk)
    assert outcome is not None and outcome.state == State.DELIVERED


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off(db, local_receivers_allowed, settings) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                try:
                    connection.sendall(b"X")
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{listener.getsockname()[1]}/", secret="whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    )
    (delivery,) = webhook_event_raise("comment.published", {})
    started = time.monotonic()
    try:
        outcome = delivery_attempt(delivery_id=delivery.pk)
    finally:
        stop.set()
        listener.close()

    assert time.monotonic() - started < 4
    assert outcome is not None and outcome.state == State.PENDING
    assert outcome.status_code is None
    assert outcome.error == "TimeoutError: no complete answer within 2 s"
