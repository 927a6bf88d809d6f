"""Display names cannot impersonate: unique after NFKC and case folding, reserved
names refused, at registration and at PATCH /api/me/, and unique in the database too."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ReaderProfile
from accounts.services import reader_ban, reader_profile_get_or_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Ein-sicheres-Passwort-2026"
# Taken, reserved or look-alike: one answer, so that it tells nobody which it is.
# The site answers in German unless asked otherwise (Accept-Language).
UNAVAILABLE = {"display_name": ["Dieser Name ist nicht verfügbar."]}
USERNAME_UNAVAILABLE = {"username": ["Dieser Benutzername ist nicht verfügbar."]}


def register(username: str, display_name: str | None = None) -> Response:
    data: dict[str, object] = {"username": username, "password": PASSWORD, "consent": True}
    if display_name is not None:
        data["display_name"] = display_name
    return APIClient().post("/api/auth/register/", data, format="json")


def named(username: str, display_name: str) -> ReaderProfile:
    profile = reader_profile_get_or_create(user=UserFactory(username=username))
    profile.display_name = display_name
    profile.save()
    return profile


def rename(client: APIClient, display_name: str) -> Response:
    return client.patch("/api/me/", {"display_name": display_name}, format="json")


@pytest.mark.parametrize(
    "same",
    ["Redaktion Süd", "REDAKTION SÜD", "redaktion süd", "Ｒｅｄａｋｔｉｏｎ Ｓüｄ", "Redaktion  Süd"],
)
def test_a_name_taken_in_any_case_or_width_is_refused_at_registration(same: str) -> None:
    named("erste", "Redaktion Süd")
    response = register("zweite", same)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_the_first_to_take_a_name_keeps_it() -> None:
    assert register("erste", "Anna").status_code == 201
    assert register("zweite", "ANNA").json() == UNAVAILABLE
    assert register("zweite", "Anna B.").status_code == 201


@pytest.mark.parametrize(
    "name",
    ["Redaktion", "MODERATION", "moderator", "Admin", "Administrator", "Stammtisch", "Editor",
     "Newsroom", "Staff", "Ｒｅｄａｋｔｉｏｎ", "R.e.d.a.k.t.i.o.n", "Red Aktion", "ADMIN!"],
)  # fmt: skip
def test_reserved_names_are_refused(name: str) -> None:
    response = register("neu", name)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


@pytest.mark.parametrize("name", ["Redaktionsleiterin Fan", "Administratorin der Herzen", "Stafford"])
def test_names_that_only_contain_a_reserved_word_are_fine(name: str) -> None:
    assert register("neu", name).status_code == 201


def test_the_setting_adds_reserved_names(settings) -> None:
    settings.RESERVED_DISPLAY_NAMES = [*settings.RESERVED_DISPLAY_NAMES, "Chefredaktion"]
    assert register("neu", "CHEFREDAKTION").json() == UNAVAILABLE
    assert register("neu", "Redaktion").json() == UNAVAILABLE


def test_a_reserved_name_is_no_username_either() -> None:
    response = register("Redaktion")
    assert response.status_code == 400
    assert response.json() == USERNAME_UNAVAILABLE


def test_a_display_name_may_not_be_another_readers_username() -> None:
    UserFactory(username="maria")
    assert register("neu", "Maria").json() == UNAVAILABLE


def test_a_username_may_not_be_another_readers_display_name() -> None:
    named("erste", "Jonas")
    response = register("jonas")
    assert response.status_code == 400
    assert response.json() == USERNAME_UNAVAILABLE


def test_an_invisible_display_name_is_refused() -> None:
    response = register("neu", "\u200b\u200d")
    assert response.status_code == 400
    assert list(response.json()) == ["display_name"]


def test_the_longest_expansion_still_fits_the_unique_index() -> None:
    # U+FDFA is 18 letters under NFKC: 50 of them are the longest key there is.
    assert register("neu", "\ufdfa" * 50).status_code == 201
    assert register("neu2", "\ufdfa" * 49 + "\u0635").status_code == 201


def test_readers_without_a_display_name_do_not_collide() -> None:
    assert register("erste").status_code == 201
    assert register("zweite", "").status_code == 201
    assert ReaderProfile.objects.filter(display_name_key__isnull=True).count() == 2


# --- PATCH /api/me/ -----------------------------------------------------------


def test_a_reader_changes_the_display_name(reader_client: APIClient, article) -> None:
    response = rename(reader_client, "  Leserin L.  ")
    assert response.status_code == 200
    assert response.json() == {
        "username": "leserin",
        "display_name": "Leserin L.",
        "banned": False,
        "suspended_until": None,
        "badges": [],
        "language": "",
        "author_notifications": True,
        "moderator": False,
        "admin_url": None,
        "netiquette_url": "http://testserver/netiquette/",
    }
    posted = reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")
    assert posted.json()["author"] == "Leserin L."


def test_a_reader_may_keep_or_recase_their_own_name(reader_client: APIClient) -> None:
    assert rename(reader_client, "Leserin").status_code == 200
    assert rename(reader_client, "LESERIN").json()["display_name"] == "LESERIN"


def test_an_empty_name_shows_the_username_again(reader_client: APIClient) -> None:
    rename(reader_client, "Leserin L.")
    assert rename(reader_client, "").json()["display_name"] == ""
    assert ReaderProfile.objects.get(user__username="leserin").display_name_key is None


@pytest.mark.parametrize("name", ["ANNA", "Moderation", "ｓｔａｆｆ"])
def test_taken_and_reserved_names_are_refused_on_change(reader_client: APIClient, name: str) -> None:
    named("erste", "Anna")
    response = rename(reader_client, name)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE
    assert not ReaderProfile.objects.filter(user__username="leserin").exclude(display_name="").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "display_name"), ({"display_name": "x" * 51}, "display_name"), ({"display_name": 5}, None)],
)
def test_bad_changes_are_400_naming_the_field(
    reader_client: APIClient, body: dict, field: str | None
) -> None:
    response = reader_client.patch("/api/me/", body, format="json")
    assert response.status_code in (200, 400)
    if field:
        assert response.status_code == 400
        assert list(response.json()) == [field]


def test_staff_may_take_a_reserved_name() -> None:
    staff = UserFactory(username="chefin", is_staff=True)
    client = APIClient()
    client.force_authenticate(staff)
    assert rename(client, "Redaktion").json()["display_name"] == "Redaktion"
    # … and then nobody else can.
    assert register("neu", "redaktion").json() == UNAVAILABLE


def test_a_banned_reader_cannot_change_the_display_name(reader_client: APIClient, reader) -> None:
    reader_ban(user=reader, reason="Beleidigungen")
    response = rename(reader_client, "Neuer Name")
    assert response.status_code == 403
    assert response.json()["code"] == "banned"


def test_changing_the_name_needs_an_account(api_client: APIClient) -> None:
    assert rename(api_client, "Anna").status_code == 401


# --- names that only look like another reader's --------------------------------


def hidden(code_point: str) -> dict[str, list[str]]:
    why = "Unsichtbare Zeichen und Zeichen der Schreibrichtung sind nicht erlaubt"
    return {"display_name": [f"{why}; dieser Name enthält {code_point}."]}


def test_alice_with_a_soft_hyphen_is_refused(reader_client: APIClient) -> None:
    UserFactory(username="alice")
    response = rename(reader_client, "alice\u00ad")
    assert response.status_code == 400
    assert response.json() == hidden("U+00AD")


def test_bob_with_a_zero_width_space_is_refused(reader_client: APIClient) -> None:
    UserFactory(username="bob")
    response = rename(reader_client, "bob\u200b")
    assert response.status_code == 400
    assert response.json() == hidden("U+200B")


def test_bob_with_a_word_joiner_is_refused(reader_client: APIClient) -> None:
    UserFactory(username="bob")
    response = rename(reader_client, "bob\u2060")
    assert response.status_code == 400
    assert response.json() == hidden("U+2060")


def test_bob_after_a_right_to_left_override_is_refused(reader_client: APIClient) -> None:
    UserFactory(username="bob")
    response = rename(reader_client, "\u202ebob")
    assert response.status_code == 400
    assert response.json() == hidden("U+202E")


def test_full_width_bob_is_refused_when_a_reader_has_the_username_bob(reader_client: APIClient) -> None:
    UserFactory(username="bob")
    response = rename(reader_client, "\uff42\uff4f\uff42")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_full_width_bob_is_refused_when_a_reader_has_the_display_name_bob(reader_client: APIClient) -> None:
    named("robert", "Bob")
    response = rename(reader_client, "\uff42\uff4f\uff42")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_refused_name_leaves_the_old_one(reader_client: APIClient) -> None:
    rename(reader_client, "Leserin L.")
    UserFactory(username="bob")
    rename(reader_client, "\uff42\uff4f\uff42")
    assert reader_client.get("/api/me/").json()["display_name"] == "Leserin L."


@pytest.mark.parametrize(
    ("name", "code_point"),
    [
        ("alice\u00ad", "U+00AD"),
        ("bob\u200b", "U+200B"),
        ("bob\u2060", "U+2060"),
        ("\u202ebob", "U+202E"),
        ("Anna\u2066", "U+2066"),  # a direction isolate
        ("Anna\u200e", "U+200E"),  # a left-to-right mark
        ("Anna\u061c", "U+061C"),  # the Arabic letter mark
        ("An\ufeffna", "U+FEFF"),
        ("Anna\U000e0041", "U+E0041"),  # a tag character
        ("Anna\ufe0f", "U+FE0F"),  # a variation selector
        ("Anna\u3164", "U+3164"),  # the Hangul filler, a blank letter
    ],
)
def test_invisible_and_direction_characters_are_refused_at_registration(name: str, code_point: str) -> None:
    response = register("neu", name)
    assert response.status_code == 400
    assert response.json() == hidden(code_point)


def test_full_width_bob_is_refused_at_registration() -> None:
    UserFactory(username="bob")
    response = register("neu", "\uff42\uff4f\uff42")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_reader_may_show_their_own_username_in_any_width() -> None:
    client = APIClient()
    client.force_authenticate(UserFactory(username="bob"))
    response = rename(client, "\uff22\uff2f\uff22")
    assert response.status_code == 200
    assert response.json()["display_name"] == "\uff22\uff2f\uff22"


def test_a_display_name_may_not_look_like_a_staff_account_without_a_profile(reader_client: APIClient) -> None:
    UserFactory(username="ärger", is_staff=True)  # made in the admin: no reader profile
    assert not ReaderProfile.objects.filter(user__username="ärger").exists()
    response = rename(reader_client, "ÄRGER")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_renamed_account_frees_its_old_username_and_holds_the_new_one(reader_client: APIClient) -> None:
    account = UserFactory(username="altname")
    account.username = "neuname"
    account.save()
    assert rename(reader_client, "Neuname").json() == UNAVAILABLE
    assert rename(reader_client, "Altname").status_code == 200


# --- the database holds it, whatever the API checks ---------------------------


def test_the_database_refuses_a_duplicate_saved_past_the_services() -> None:
    named("erste", "Redaktion Süd")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReaderProfile.objects.create(
            user=UserFactory(username="zweite"), display_name="ＲＥＤＡＫＴＩＯＮ SÜD"
        )


def test_the_database_refuses_a_duplicate_key_written_directly() -> None:
    named("erste", "Anna")
    other = named("zweite", "Berta")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReaderProfile.objects.filter(pk=other.pk).update(display_name_key="anna")


def test_a_name_taken_between_check_and_save_is_400_not_500(reader_client: APIClient, monkeypatch) -> None:
    # As if the other registration committed right after this one's check.
    named("erste", "Anna")
    monkeypatch.setattr(services, "_name_taken", lambda key, *, user: False)
    assert rename(reader_client, "anna").json() == UNAVAILABLE
    response = register("zweite", "ANNA")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_username_taken_between_check_and_save_is_still_the_username(monkeypatch) -> None:
    UserFactory(username="gleich")
    monkeypatch.setattr(services, "_name_taken", lambda key, *, user: False)
    response = register("gleich", "Ganz neu")
    assert response.status_code == 400
    assert response.json() == USERNAME_UNAVAILABLE


# --- the migration ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_later_duplicates_and_never_fails() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("discussion", "0004_reader_profiles_for_everyone")]
    after = [("discussion", "0007_unique_display_name")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    User = old_apps.get_model("auth", "User")
    Profile = old_apps.get_model("discussion", "ReaderProfile")
    names = {
        "a": "Anna",
        "b": "ANNA",
        "c": "Ａｎｎａ",
        "d": "anna 2",  # someone's own name: the renamed duplicates skip it
        "e": "Bert",
        "f": "",
        "g": "",
        "h": "x" * 50,
        "i": "X" * 50,
        "j": "\u200b",  # invisible: no name at all
    }
    for username, name in names.items():
        Profile.objects.create(user=User.objects.create(username=username), display_name=name)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("discussion", "ReaderProfile")
    result = dict(new.objects.values_list("user__username", "display_name"))
    assert result == {
        "a": "Anna",
        "b": "ANNA 3",
        "c": "Ａｎｎａ 4",
        "d": "anna 2",
        "e": "Bert",
        "f": "",
        "g": "",
        "h": "x" * 50,
        "i": "X" * 48 + " 2",
        "j": "",
    }
    keys = list(new.objects.exclude(display_name_key=None).values_list("display_name_key", flat=True))
    assert len(keys) == len(set(keys)) == 7

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_the_key_of_every_existing_username() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("discussion", "0009_shown_like_count")]
    after = [("discussion", "0010_username_key")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    User = executor.loader.project_state(before).apps.get_model("auth", "User")
    for username in ("Bob", "ärger", "chefin"):
        User.objects.create(username=username)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    keys = executor.loader.project_state(after).apps.get_model("discussion", "UsernameKey")
    assert dict(keys.objects.values_list("user__username", "key")) == {
        "Bob": "bob",
        "ärger": "ärger",
        "chefin": "chefin",
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_name_at_once_one_wins_the_other_is_400(monkeypatch) -> None:
    import threading

    from django.db import connection

    # Both get past the check, as two requests in the same instant would.
    monkeypatch.setattr(services, "_name_taken", lambda key, *, user: False)
    barrier = threading.Barrier(2)
    answers: dict[str, tuple[int, dict]] = {}

    def attempt(username: str) -> None:
        try:
            barrier.wait(timeout=10)
            response = register(username, "Zur gleichen Zeit")
            answers[username] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("erste", "zweite")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(code for code, _ in answers.values()) == [201, 400]
    [refused] = [body for code, body in answers.values() if code == 400]
    assert refused == UNAVAILABLE
    assert ReaderProfile.objects.filter(display_name="Zur gleichen Zeit").count() == 1


# --- look-alike letters ---------------------------------------------------------


@pytest.mark.parametrize("name", ["M\u0430ria", "Ol\u0435g Schmidt", "R\u0435daktion"])
def test_a_latin_name_with_a_cyrillic_look_alike_is_refused(name: str) -> None:
    named("erste", "Maria")
    response = register("zweite", name)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


@pytest.mark.parametrize(
    "name",
    [
        "\u041c\u0430\u0440\u0438\u044f",
        "\u03a3\u03c9\u03ba\u03c1\u03ac\u03c4\u03b7\u03c2",
        "Zo\u00eb",
        "Paul-\u00c9mile",
        "J\u00fcrgen M\u00fcller",
        "Stra\u00dfe 7 \U0001f642",
    ],
)
def test_names_in_one_script_or_with_accents_are_fine(name: str) -> None:
    response = register("neu", name)
    assert response.status_code == 201, response.content
    assert ReaderProfile.objects.get(user__username="neu").display_name == name


def test_a_look_alike_name_is_refused_on_change(reader_client: APIClient) -> None:
    response = rename(reader_client, "Le\u0455erin")  # Cyrillic dze for "s"
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_look_alike_username_is_refused() -> None:
    UserFactory(username="maria")
    response = register("m\u0430ria")
    assert response.status_code == 400
    assert response.json() == USERNAME_UNAVAILABLE


def test_usernames_are_stored_nfkc_normalised_so_wide_letters_collide() -> None:
    assert register("\uff4d\uff41\uff52\uff49\uff41").status_code == 201  # full-width "maria"
    assert get_user_model().objects.filter(username="maria").exists()
    response = register("Maria")
    assert response.json() == USERNAME_UNAVAILABLE
