"""The move of the accounts' models out of the discussion app: a database migrated
before it keeps its rows, and what was granted on them stays granted."""

from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import ReaderProfile, TokenSecondFactor, UsernameKey

# Unapplying the accounts app unapplies the discussion's 0012 too, which follows it:
# the database is then where the discussion's 0011 left it.
UNAPPLY = [("accounts", None)]
BEFORE = [("discussion", "0011_token_second_factor")]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_the_move() -> Iterator[Apps]:
    """The models as the discussion app left them, on a database migrated back to
    then; migrated to the end afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(UNAPPLY)
    yield executor.loader.project_state(BEFORE).apps
    migrate_to_the_end()


def test_profiles_username_keys_and_verified_tokens_keep_their_rows(before_the_move: Apps) -> None:
    old = before_the_move
    user = old.get_model("auth", "User").objects.create(username="bestand")
    old.get_model("discussion", "ReaderProfile").objects.create(
        user=user, display_name="Bestand B.", display_name_key="bestand b.", banned=True, ban_reason="Spam"
    )
    old.get_model("discussion", "UsernameKey").objects.create(user=user, key="bestand")
    token = old.get_model("authtoken", "Token").objects.create(user=user, key="k" * 40)
    device = old.get_model("otp_totp", "TOTPDevice").objects.create(user=user, name="app", confirmed=True)
    old.get_model("discussion", "TokenSecondFactor").objects.create(token=token, device=device)

    migrate_to_the_end()

    profile = ReaderProfile.objects.get(user__username="bestand")
    assert (profile.display_name, profile.banned, profile.ban_reason) == ("Bestand B.", True, "Spam")
    assert UsernameKey.objects.get(user__username="bestand").key == "bestand"
    assert TokenSecondFactor.objects.filter(token_id="k" * 40, device__name="app").exists()


def test_a_group_allowed_to_view_reader_profiles_still_is(before_the_move: Apps) -> None:
    old = before_the_move
    # As an administrator could have granted it before the move, on the old content type.
    permission = old.get_model("auth", "Permission").objects.get(
        content_type__app_label="discussion", codename="view_readerprofile"
    )
    old.get_model("auth", "Group").objects.create(name="Leserservice").permissions.add(permission)

    migrate_to_the_end()

    granted = Group.objects.get(name="Leserservice").permissions.values_list(
        "content_type__app_label", "codename"
    )
    assert list(granted) == [("accounts", "view_readerprofile")]
