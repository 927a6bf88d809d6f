"""What GET /api/me/ tells the widget beyond the reader: whether the account may
moderate in the thread (and where the admin is), and where the site's rules are."""

import pytest
from django.contrib.auth.models import Permission

from moderation.permissions import MODERATE, moderators_group
from tests.factories import UserFactory, client_for

pytestmark = pytest.mark.django_db


def me(user) -> dict:
    response = client_for(user).get("/api/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_reader_is_no_moderator_and_learns_the_netiquette(reader, settings) -> None:
    settings.NETIQUETTE_URL = "/netiquette/"

    answer = me(reader)

    assert (answer["moderator"], answer["admin_url"]) == (False, None)
    assert answer["netiquette_url"] == "http://testserver/netiquette/"


def test_an_absolute_netiquette_address_is_given_as_it_is(reader, settings) -> None:
    settings.NETIQUETTE_URL = "https://zeitung.example.com/regeln"

    assert me(reader)["netiquette_url"] == "https://zeitung.example.com/regeln"


def test_a_member_of_the_moderators_is_a_moderator_with_the_admins_address(settings) -> None:
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(moderators_group())

    answer = me(moderator)

    assert answer["moderator"] is True
    assert answer["admin_url"] == f"http://testserver/{settings.ADMIN_PATH}"


def test_staff_without_the_permission_and_a_reader_with_it_are_no_moderators() -> None:
    staff = UserFactory(is_staff=True)
    not_staff = UserFactory()
    app_label, codename = MODERATE.split(".")
    not_staff.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )

    assert me(staff)["moderator"] is False
    assert me(not_staff)["moderator"] is False


def test_the_permission_named_in_accounts_is_moderations() -> None:
    from accounts.api import MODERATE_PERMISSION

    assert MODERATE_PERMISSION == MODERATE
