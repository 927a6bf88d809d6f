"""Webhooks in the admin: an endpoint made with its secret shown once, its URL checked
as deliveries check it, the secret rotated, a test event sent; failed deliveries
listed and sent again. Moderators do not see any of it."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from standardwebhooks import Webhook

from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.permissions import moderators_group
from moderation.webhooks.delivery import delivery_attempt
from moderation.webhooks.events import webhook_event_raise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/moderation/webhookendpoint/"
DELIVERIES = "/admin/moderation/webhookdelivery/"


@pytest.fixture
def admin() -> User:
    return UserFactory(username="chefin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def shown_secret(response) -> str:
    found = re.findall(r"whsec_[A-Za-z0-9+/=]+", response.content.decode())
    assert len(found) == 1
    return found[0]


def test_an_endpoint_is_made_with_its_secret_shown_once(
    admin_client, receiver, local_receivers_allowed
) -> None:
    response = admin_client.post(
        f"{ENDPOINTS}add/",
        {
            "url": receiver.url,
            "description": "Redaktionssystem",
            "events": ["comment.published"],
            "is_enabled": "on",
        },
        follow=True,
    )

    assert response.status_code == 200
    secret = shown_secret(response)
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.secret) == (receiver.url, ["comment.published"], secret)
    assert secret not in admin_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()

    # The secret shown is the one that signs.
    receiver.secret = secret
    (delivery,) = webhook_event_raise("comment.published", {})
    delivery_attempt(delivery_id=delivery.pk)
    assert receiver.received[0].error == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/hook", "private or special address"),
        ("https://169.254.169.254/latest/", "private or special address"),
        ("https://localhost/hook", "private or special address"),
        ("http://93.184.215.14/hook", "https only"),
    ],
)
def test_an_endpoint_at_a_refused_address_is_not_saved(admin_client, url, message) -> None:
    response = admin_client.post(f"{ENDPOINTS}add/", {"url": url, "is_enabled": "on"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_rotating_shows_the_new_secret_and_both_sign_for_a_while(admin_client, endpoint, receiver) -> None:
    response = admin_client.post(
        ENDPOINTS, {"action": "rotate_secret", "_selected_action": [endpoint.pk]}, follow=True
    )

    new = shown_secret(response)
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (new, receiver.secret)
    (delivery,) = webhook_event_raise("comment.published", {})
    delivery_attempt(delivery_id=delivery.pk)
    request = receiver.received[0]
    assert request.error == ""
    assert Webhook(new).verify(request.body, request.headers)["type"] == "comment.published"


def test_a_test_event_is_sent_from_the_list(admin_client, endpoint, receiver) -> None:
    response = admin_client.post(
        ENDPOINTS, {"action": "send_test_event", "_selected_action": [endpoint.pk]}, follow=True
    )

    assert "1 test event sent." in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    delivery_attempt(delivery_id=delivery.pk)
    assert receiver.received[0].payload["type"] == "webhook.test"


def test_failed_deliveries_are_listed_with_their_error_and_sent_again(
    admin_client, endpoint, receiver
) -> None:
    receiver.script = [(500, {})]
    (delivery,) = webhook_event_raise("comment.removed", {})
    delivery_attempt(delivery_id=delivery.pk)

    listing = admin_client.get(DELIVERIES, {"last_status_code": "500"}).content.decode()
    assert "HTTP 500" in listing and "comment.removed" in listing
    response = admin_client.post(
        DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True
    )

    assert "1 delivery sent again." in response.content.decode()
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert admin_client.get(f"{DELIVERIES}{delivery.pk}/change/").status_code == 200


def test_moderators_see_no_webhooks() -> None:
    moderator = UserFactory(username="moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    client = Client()
    client.force_login(moderator)

    assert client.get(ENDPOINTS).status_code == 403
    assert client.get(DELIVERIES).status_code == 403
