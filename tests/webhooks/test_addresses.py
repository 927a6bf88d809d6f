"""The SSRF guard: webhooks go to public addresses only, unless the settings allow
more; the request goes to the address that was checked."""

import ipaddress
import re
import socket
from collections.abc import Iterator

import pytest
from django.utils import translation

from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.addresses import RefusedAddress, address_allowed, url_resolve
from moderation.webhooks.delivery import delivery_attempt
from moderation.webhooks.events import webhook_event_raise


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The refusals are matched by their English wording; the site's default is German."""
    with translation.override("en"):
        yield


REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.8.9.10/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.178.1/hook",
    "https://100.64.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://240.0.0.1/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://[ff02::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://localhost/hook",
    "https://localhost:8000/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_special_addresses_are_refused(url) -> None:
    with pytest.raises(RefusedAddress, match="private or special address"):
        url_resolve(url)


def test_a_name_that_resolves_to_loopback_is_refused(monkeypatch) -> None:
    # A public-looking name whose DNS answers with the loopback address, as an
    # attacker's own name server would.
    def answer(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(RefusedAddress, match=re.escape("hooks.example.com points to 127.0.0.1")):
        url_resolve("https://hooks.example.com/hook")


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch) -> None:
    def answer(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(RefusedAddress, match="::1"):
        url_resolve("https://hooks.example.com/hook")


def test_a_public_address_is_allowed_and_is_what_the_request_connects_to() -> None:
    target = url_resolve("https://93.184.215.14:8443/hooks?site=1")

    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "93.184.215.14",
        8443,
        "/hooks?site=1",
    )
    assert target.addresses == ("93.184.215.14",)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "https only"),
        ("ftp://93.184.215.14/hook", "must start with https://"),
        ("https://user:pw@93.184.215.14/hook", "user name or password"),
        ("https:///hook", "no host"),
        ("https://93.184.215.14:99999/hook", "not a valid URL"),
        ("https://name.invalid/hook", "cannot be resolved"),
    ],
)
def test_urls_of_the_wrong_form_are_refused(url, message) -> None:
    with pytest.raises(RefusedAddress, match=message):
        url_resolve(url)


def test_the_allowed_networks_setting_lets_listed_addresses_through(settings) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.1.2.0/24", "::1"]

    assert address_allowed(ipaddress.ip_address("10.1.2.3"))
    assert address_allowed(ipaddress.ip_address("::1"))
    assert address_allowed(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert not address_allowed(ipaddress.ip_address("10.1.3.1"))
    assert not address_allowed(ipaddress.ip_address("127.0.0.1"))


def test_http_is_allowed_only_by_the_setting(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True

    assert url_resolve("http://93.184.215.14/hook").port == 80


def test_a_delivery_to_a_refused_address_sends_nothing_and_says_why(db, receiver, settings) -> None:
    # The receiver listens on 127.0.0.1, which this test does not allow.
    settings.WEBHOOK_ALLOW_HTTP = True
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret)
    (delivery,) = webhook_event_raise("comment.published", {})

    outcome = delivery_attempt(delivery_id=delivery.pk)

    assert receiver.received == []
    assert outcome is not None and outcome.state == WebhookDelivery.State.PENDING
    assert "refused: The host 127.0.0.1 points to 127.0.0.1" in outcome.error
    assert endpoint.deliveries.get().last_error.startswith("refused:")


def test_the_request_goes_to_the_checked_address_not_to_a_second_lookup(
    db, receiver, local_receivers_allowed, monkeypatch
) -> None:
    # The name resolves to the receiver once (checked, allowed); a second lookup would
    # answer with an address nobody listens on. The request still reaches the receiver.
    port = int(receiver.url.split(":")[2].split("/")[0])
    WebhookEndpoint.objects.create(url=f"http://hooks.example.com:{port}/hooks", secret=receiver.secret)
    answers = iter([("127.0.0.1", port)])
    real = socket.getaddrinfo

    def rebinding(host, port_, *args, **kwargs):
        if host == "hooks.example.com":
            address = next(answers, ("127.0.0.2", port))
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    (delivery,) = webhook_event_raise("comment.published", {})

    outcome = delivery_attempt(delivery_id=delivery.pk)

    assert outcome is not None and outcome.state == WebhookDelivery.State.DELIVERED
    (request,) = receiver.received
    assert request.headers["host"] == f"hooks.example.com:{port}"
