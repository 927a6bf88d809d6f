"""Throttles on writes: per user and per client IP, 429 with Retry-After, off by setting,
harmless when the cache is down, and working for real against Redis."""

import logging
import socket

import pytest
import redis
from rest_framework.test import APIClient

from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Ein-sicheres-Passwort-2026"


def closed_port() -> int:
    """A local port nobody listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def rates(settings) -> dict[str, str]:
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES}
    return settings.THROTTLE_RATES


def signed_in(user=None, ip: str = "10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.force_authenticate(user or UserFactory())
    return client


def post_comment(client: APIClient, article):
    return client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled"
    assert body["retry_after"] == int(response["Retry-After"])
    assert body["detail"]


def test_comments_per_user(rates, article) -> None:
    rates["comment_user"] = "2/min"
    reader = UserFactory()
    assert post_comment(signed_in(reader, "10.0.0.1"), article).status_code == 202
    assert post_comment(signed_in(reader, "10.0.0.2"), article).status_code == 202
    assert_throttled(post_comment(signed_in(reader, "10.0.0.3"), article))
    assert post_comment(signed_in(ip="10.0.0.4"), article).status_code == 202, "others may still post"


def test_comments_per_ip(rates, article) -> None:
    rates["comment_ip"] = "2/min"
    for _ in range(2):
        assert post_comment(signed_in(ip="10.0.0.9"), article).status_code == 202
    assert_throttled(post_comment(signed_in(ip="10.0.0.9"), article))
    assert post_comment(signed_in(ip="10.0.0.10"), article).status_code == 202


def test_forwarded_for_header_does_not_escape_the_ip_throttle(rates, article) -> None:
    rates["comment_ip"] = "1/min"
    assert post_comment(signed_in(ip="10.0.0.9"), article).status_code == 202
    client = signed_in(ip="10.0.0.9")
    client.credentials(HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert_throttled(post_comment(client, article))


def test_edits_count_as_comments(rates, article) -> None:
    rates["comment_user"] = "1/min"
    reader = UserFactory()
    client = signed_in(reader)
    comment_id = post_comment(client, article).json()["id"]
    assert_throttled(client.patch(f"/api/comments/{comment_id}/", {"body": "Neu"}, format="json"))


def test_reactions_per_user(rates, article) -> None:
    rates["reaction_user"] = "2/min"
    client = signed_in()
    comment = CommentFactory(article=article)
    assert client.post(f"/api/comments/{comment.pk}/reactions/").status_code == 200
    assert client.delete(f"/api/comments/{comment.pk}/reactions/").status_code == 200
    assert_throttled(client.post(f"/api/comments/{comment.pk}/reactions/"))


def test_reports_per_user(rates, article) -> None:
    rates["report_user"] = "1/hour"
    client = signed_in()
    first, second = CommentFactory.create_batch(2, article=article)
    assert (
        client.post(f"/api/comments/{first.pk}/reports/", {"reason": "spam"}, format="json").status_code
        == 201
    )
    assert_throttled(client.post(f"/api/comments/{second.pk}/reports/", {"reason": "spam"}, format="json"))


def test_registering_per_ip(rates) -> None:
    rates["register_ip"] = "2/hour"
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    for name in ("eins", "zwei"):
        response = client.post(
            "/api/auth/register/", {"username": name, "password": PASSWORD, "consent": True}, format="json"
        )
        assert response.status_code == 201
    assert_throttled(
        client.post(
            "/api/auth/register/", {"username": "drei", "password": PASSWORD, "consent": True}, format="json"
        )
    )
    other = APIClient(REMOTE_ADDR="10.1.1.2")
    assert (
        other.post(
            "/api/auth/register/", {"username": "vier", "password": PASSWORD, "consent": True}, format="json"
        ).status_code
        == 201
    )


def test_refused_registrations_count_too(rates) -> None:
    rates["register_ip"] = "2/hour"
    UserFactory(username="chefin", is_staff=True)
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    for username, password in (("chefin", PASSWORD), ("neu", "kurz")):
        refused = client.post(
            "/api/auth/register/",
            {"username": username, "password": password, "consent": True},
            format="json",
        )
        assert refused.status_code == 400
    assert_throttled(
        client.post(
            "/api/auth/register/",
            {"username": "redaktion", "password": PASSWORD, "consent": True},
            format="json",
        )
    )


def test_display_name_changes_per_user(rates) -> None:
    rates["display_name_user"] = "2/hour"
    UserFactory(username="chefin")
    reader = UserFactory()
    for name in ("Chefin", "Leserin L."):
        signed_in(reader).patch("/api/me/", {"display_name": name}, format="json")
    assert_throttled(signed_in(reader).patch("/api/me/", {"display_name": "Chefin"}, format="json"))
    assert signed_in().patch("/api/me/", {"display_name": "Leser"}, format="json").status_code == 200


def test_token_requests_per_ip(rates) -> None:
    rates["login_ip"] = "1/min"
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    assert (
        client.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json").status_code == 400
    )
    assert_throttled(client.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json"))


def test_reads_are_not_throttled(rates, article) -> None:
    rates["comment_user"] = rates["comment_ip"] = "1/min"
    client = signed_in()
    for _ in range(5):
        assert client.get(f"/api/articles/{article.slug}/comments/").status_code == 200


def test_throttling_can_be_turned_off(rates, settings, article) -> None:
    rates["comment_user"] = "1/min"
    settings.THROTTLE_ENABLED = False
    client = signed_in()
    for _ in range(3):
        assert post_comment(client, article).status_code == 202


def test_an_unreachable_cache_lets_requests_through_with_a_warning(rates, settings, article, caplog) -> None:
    rates["comment_user"] = "1/min"
    settings.CACHES = {
        "default": {
            "BACKEND": "web.cache.JsonRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    client = signed_in()
    with caplog.at_level(logging.WARNING, logger="web.throttling"):
        for _ in range(2):
            assert post_comment(client, article).status_code == 202
    assert "cache unavailable" in caplog.text


@pytest.mark.slow
def test_throttle_counts_in_redis(rates, settings, article, redis_url: str) -> None:
    cache_url = redis_url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = {
        "default": {
            "BACKEND": "web.cache.JsonRedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "throttle-test",
        }
    }
    redis.Redis.from_url(cache_url).flushdb()
    rates["comment_user"] = "2/min"
    reader = UserFactory()
    for _ in range(2):
        assert post_comment(signed_in(reader), article).status_code == 202
    assert_throttled(post_comment(signed_in(reader), article))
    keys = [key.decode() for key in redis.Redis.from_url(cache_url).keys("*")]
    assert any(f"throttle:comment_user:{reader.pk}" in key for key in keys), keys
