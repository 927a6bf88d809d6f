"""The site's icon: where browsers look for it, and linked from the pages."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_an_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".ico")
    assert "max-age=86400" in response["Cache-Control"]
    path = finders.find("stammtisch/favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # the ICO format's header


def test_the_pages_and_the_admin_link_their_icon(client: Client) -> None:
    assert 'rel="icon"' in client.get("/").content.decode()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    assert 'rel="icon"' in client.get("/admin/").content.decode()
