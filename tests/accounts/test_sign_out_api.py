"""DELETE /api/auth/token/: signing out revokes the token (and ends a session); a new
password revokes it too; a ban does not."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import reader_ban
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
CSRF_SECRET = "b" * 32


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def sign_in(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_revoked_token_no_longer_authenticates(reader) -> None:
    client = token_client(sign_in("leserin"))
    assert client.get("/api/me/").status_code == 200

    response = client.delete("/api/auth/token/")

    assert response.status_code == 204
    assert response.content == b""
    refused = client.get("/api/me/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert not Token.objects.filter(user=reader).exists()


def test_signing_out_twice_is_401_the_second_time(reader) -> None:
    client = token_client(sign_in("leserin"))
    assert client.delete("/api/auth/token/").status_code == 204
    assert client.delete("/api/auth/token/").status_code == 401


def test_signing_out_needs_someone_signed_in(api_client: APIClient) -> None:
    response = api_client.delete("/api/auth/token/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_signing_in_again_gives_a_new_working_token(reader) -> None:
    old = sign_in("leserin")
    assert token_client(old).delete("/api/auth/token/").status_code == 204
    new = sign_in("leserin")
    assert new != old
    assert token_client(new).get("/api/me/").status_code == 200
    assert token_client(old).get("/api/me/").status_code == 401


def test_signing_out_leaves_other_readers_signed_in(reader) -> None:
    UserFactory(username="nachbar")
    mine, theirs = sign_in("leserin"), sign_in("nachbar")
    assert token_client(mine).delete("/api/auth/token/").status_code == 204
    assert token_client(theirs).get("/api/me/").json()["username"] == "nachbar"


def test_signing_out_of_a_session_ends_it(reader) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reader)
    Token.objects.create(user=reader)
    client.cookies["csrftoken"] = CSRF_SECRET

    response = client.delete("/api/auth/token/", HTTP_X_CSRFTOKEN=CSRF_SECRET)

    assert response.status_code == 204
    assert SESSION_KEY not in client.session
    assert client.get("/api/me/").status_code == 401
    assert not Token.objects.filter(user=reader).exists()


def test_a_session_sign_out_needs_the_csrf_token(reader) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reader)
    refused = client.delete("/api/auth/token/")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")
    assert client.get("/api/me/").status_code == 200


def test_a_new_password_revokes_the_token(reader) -> None:
    client = token_client(sign_in("leserin"))
    reader.set_password("ein-ganz-neues-Passwort-7")
    reader.save()
    assert client.get("/api/me/").status_code == 401


def test_a_password_changed_in_the_admin_revokes_the_token(reader) -> None:
    client = token_client(sign_in("leserin"))
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    new = "ein-ganz-neues-Passwort-7"
    response = browser.post(
        f"/admin/auth/user/{reader.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert client.get("/api/me/").status_code == 401


def test_a_password_hash_upgrade_at_sign_in_keeps_the_token(reader, settings) -> None:
    key = Token.objects.create(user=reader).key
    # The stored hash is MD5 (tests' fast hasher); with PBKDF2 preferred, a sign-in
    # re-hashes the password: no new password, so the token stays.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert sign_in("leserin") == key
    reader.refresh_from_db()
    assert reader.password.startswith("pbkdf2_")
    assert token_client(key).get("/api/me/").status_code == 200


def test_a_ban_keeps_the_token_and_says_why_writes_are_refused(reader, article) -> None:
    client = token_client(sign_in("leserin"))
    reader_ban(user=reader, reason="Beleidigungen")
    assert client.get("/api/me/").json()["banned"] is True
    refused = client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "banned"
    assert client.delete("/api/auth/token/").status_code == 204


def test_a_deactivated_account_is_signed_out(reader) -> None:
    client = token_client(sign_in("leserin"))
    reader.is_active = False
    reader.save()
    assert client.get("/api/me/").status_code == 401
