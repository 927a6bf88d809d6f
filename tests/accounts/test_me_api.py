"""GET /api/me/: the reader's account."""

import pytest
from rest_framework.test import APIClient

from accounts.services import reader_ban

pytestmark = pytest.mark.django_db


def test_me_needs_authentication(api_client: APIClient) -> None:
    assert api_client.get("/api/me/").status_code == 401


def test_me_shows_the_account_and_its_restrictions(reader_client: APIClient, reader) -> None:
    assert reader_client.get("/api/me/").json() == {
        "username": "leserin",
        "display_name": "",
        "banned": False,
        "suspended_until": None,
        "badges": [],
        "language": "",
        "author_notifications": True,
        "moderator": False,
        "admin_url": None,
        "netiquette_url": "http://testserver/netiquette/",
    }
    reader_ban(user=reader, reason="Spam")
    assert reader_client.get("/api/me/").json()["banned"] is True
