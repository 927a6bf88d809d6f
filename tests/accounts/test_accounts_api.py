import pytest
from django.contrib.auth.models import User
from rest_framework.response import Response
from rest_framework.test import APIClient

from moderation.permissions import moderators_group
from tests.factories import UserFactory, authenticator_for, current_code, wrong_code

pytestmark = pytest.mark.django_db

PASSWORD = "Ein-sicheres-Passwort-2026"
FACTORY_PASSWORD = "a-long-test-password"  # UserFactory's


def test_register_returns_a_working_token(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": "neu", "password": PASSWORD, "consent": True}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["username"] == "neu"
    token = response.json()["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    article_list = client.get("/api/articles/")
    assert article_list.status_code == 200

    login = api_client.post(
        "/api/auth/token/", {"username": "neu", "password": PASSWORD, "consent": True}, format="json"
    )
    assert login.status_code == 200
    assert login.json()["token"] == token


def test_token_with_wrong_password_is_400(api_client: APIClient) -> None:
    UserFactory(username="jemand")
    response = api_client.post(
        "/api/auth/token/", {"username": "jemand", "password": "falsch"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


UNAVAILABLE = {"username": ["Dieser Benutzername ist nicht verfügbar."]}


def register(api_client: APIClient, username: str, password: str = PASSWORD) -> Response:
    return api_client.post(
        "/api/auth/register/", {"username": username, "password": password, "consent": True}, format="json"
    )


@pytest.mark.parametrize("username", ["Leserin", "leserin"])
def test_username_taken_case_insensitively(api_client: APIClient, username: str) -> None:
    UserFactory(username="leserin")
    response = register(api_client, username)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_usernames_differing_in_the_case_of_other_letters_than_a_to_z_collide(api_client: APIClient) -> None:
    UserFactory(username="ärger")
    response = register(api_client, "ÄRGER")
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


def test_a_taken_username_with_a_weak_password_is_told_only_about_the_password(api_client: APIClient) -> None:
    UserFactory(username="chefin", is_staff=True)
    response = register(api_client, "chefin", password="kurz")
    assert response.status_code == 400
    assert list(response.json()) == ["password"]


def test_a_taken_username_with_a_bad_display_name_is_told_only_about_the_display_name(
    api_client: APIClient,
) -> None:
    UserFactory(username="chefin", is_staff=True)
    response = api_client.post(
        "/api/auth/register/",
        {"username": "chefin", "password": PASSWORD, "display_name": "x" * 51, "consent": True},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["display_name"]


@pytest.mark.parametrize(
    "username",
    [
        "chefin",  # a staff account's
        "Redaktion",  # reserved by default
        "Chefredakteur",  # reserved by the setting
        "m\u0430ria",  # Latin with a Cyrillic "а"
    ],
)
def test_taken_reserved_and_look_alike_usernames_get_one_answer(
    api_client: APIClient, settings, username: str
) -> None:
    settings.RESERVED_DISPLAY_NAMES = [*settings.RESERVED_DISPLAY_NAMES, "Chefredakteur"]
    UserFactory(username="chefin", is_staff=True)
    response = register(api_client, username)
    assert response.status_code == 400
    assert response.json() == UNAVAILABLE


@pytest.mark.parametrize(
    ("username", "code_point"),
    [("bob\u200b", "U+200B"), ("bob\u2060", "U+2060"), ("\u202ebob", "U+202E"), ("ali\u00adce", "U+00AD")],
)
def test_usernames_with_invisible_or_direction_characters_are_refused(
    api_client: APIClient, username: str, code_point: str
) -> None:
    response = register(api_client, username)
    assert response.status_code == 400
    assert response.json() == {
        "username": [
            "Unsichtbare Zeichen und Zeichen der Schreibrichtung sind nicht erlaubt; "
            f"dieser Name enthält {code_point}."
        ]
    }


@pytest.mark.parametrize("password", ["kurz", "12345678901", "password123"])
def test_weak_passwords_are_refused(api_client: APIClient, password: str) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": "neu", "password": password, "consent": True}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.parametrize("username", ["mit leerzeichen", "<script>", ""])
def test_invalid_usernames_are_refused(api_client: APIClient, username: str) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": username, "password": PASSWORD, "consent": True}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_display_name_is_shown_as_author(api_client: APIClient, article) -> None:
    response = api_client.post(
        "/api/auth/register/",
        {"username": "mm", "password": PASSWORD, "display_name": "  Maria M.  ", "consent": True},
        format="json",
    )
    assert response.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    posted = client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")
    assert posted.json()["author"] == "Maria M."
    assert client.get("/api/me/").json()["display_name"] == "Maria M."


@pytest.mark.parametrize("display_name", ["x" * 51, "a\x1bb"])
def test_bad_display_names_are_refused(api_client: APIClient, display_name: str) -> None:
    response = api_client.post(
        "/api/auth/register/",
        {"username": "neu", "password": PASSWORD, "display_name": display_name, "consent": True},
        format="json",
    )
    assert response.status_code == 400
    assert "display_name" in response.json()


def test_unpaired_surrogates_in_credentials_are_400(api_client: APIClient) -> None:
    for path in ("/api/auth/register/", "/api/auth/token/"):
        response = api_client.post(
            path, '{"username": "neu", "password": "ab\\ud800cd"}', content_type="application/json"
        )
        assert response.status_code == 400, path


CSRF_SECRET = "a" * 32


@pytest.fixture
def session_client(reader) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reader)  # a session, as a same-site login page would start it
    return client


def test_session_writes_need_the_csrf_token(session_client: APIClient, article) -> None:
    url = f"/api/articles/{article.slug}/comments/"
    refused = session_client.post(url, {"body": "Hallo"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")

    session_client.cookies["csrftoken"] = CSRF_SECRET
    accepted = session_client.post(url, {"body": "Hallo"}, format="json", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert accepted.status_code == 202
    assert accepted.json()["author"] == "leserin"


def test_session_reads_need_no_csrf_token(session_client: APIClient) -> None:
    assert session_client.get("/api/me/").json()["username"] == "leserin"


def test_token_writes_need_no_csrf_token(reader, article) -> None:
    from rest_framework.authtoken.models import Token

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    response = client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")
    assert response.status_code == 202


def test_every_new_reader_has_a_profile_for_moderators(api_client: APIClient) -> None:
    from accounts.models import ReaderProfile

    api_client.post(
        "/api/auth/register/", {"username": "neu", "password": PASSWORD, "consent": True}, format="json"
    )
    assert ReaderProfile.objects.filter(user__username="neu", display_name="").exists()


def test_an_overlong_email_is_400(api_client: APIClient) -> None:
    email = "a" * 250 + "@example.org"
    response = api_client.post(
        "/api/auth/register/",
        {"username": "neu", "password": PASSWORD, "email": email, "consent": True},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()


def test_an_overlong_login_name_is_400_not_a_failed_login(api_client: APIClient) -> None:
    response = api_client.post("/api/auth/token/", {"username": "x" * 300, "password": "y"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


# --- Tokens for accounts with a second factor ----------------------------


@pytest.fixture
def enrolled_moderator() -> User:
    moderator = UserFactory(username="moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    return moderator


def token_request(client: APIClient, **fields: str) -> Response:
    return client.post(
        "/api/auth/token/", {"username": "moderatorin", "password": FACTORY_PASSWORD, **fields}, format="json"
    )


def test_with_an_authenticator_the_password_alone_gets_no_token(
    api_client: APIClient, enrolled_moderator
) -> None:
    authenticator_for(enrolled_moderator)
    response = token_request(api_client)
    assert (response.status_code, list(response.json())) == (400, ["otp"])


def test_with_an_authenticator_its_current_code_gets_the_token(
    api_client: APIClient, enrolled_moderator
) -> None:
    device = authenticator_for(enrolled_moderator)
    response = token_request(api_client, otp=current_code(device))
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/moderation/queues/held/").status_code == 200


def test_a_wrong_code_is_refused_naming_the_field(api_client: APIClient, enrolled_moderator) -> None:
    device = authenticator_for(enrolled_moderator)
    response = token_request(api_client, otp=wrong_code(device))
    assert (response.status_code, list(response.json())) == (400, ["otp"])


def test_wrong_codes_count_as_failed_logins(settings, api_client: APIClient, enrolled_moderator) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    device = authenticator_for(enrolled_moderator)
    statuses = [token_request(api_client, otp=wrong_code(device)).status_code for _ in range(2)]
    locked = token_request(api_client, otp=current_code(device))
    assert (statuses, locked.status_code, locked.json()["code"]) == ([400, 429], 429, "locked_out")


def test_signing_in_with_the_code_replaces_a_token_got_without_it(
    api_client: APIClient, enrolled_moderator
) -> None:
    before = token_request(api_client).json()["token"]
    device = authenticator_for(enrolled_moderator)
    after = token_request(api_client, otp=current_code(device)).json()["token"]
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {before}")
    assert after != before and old.get("/api/me/").status_code == 401


def test_where_staff_need_a_second_factor_staff_without_one_get_no_token(
    settings, api_client: APIClient, enrolled_moderator
) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = token_request(api_client)
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_needed"
    assert "totp_enroll" in response.json()["detail"]


def test_where_staff_need_a_second_factor_readers_still_sign_in_with_the_password(
    settings, api_client: APIClient, reader
) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = api_client.post(
        "/api/auth/token/", {"username": "leserin", "password": FACTORY_PASSWORD}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"]
