import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Ein-sicheres-Passwort-2026"


def test_register_returns_a_working_token(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": "neu", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["username"] == "neu"
    token = response.json()["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    article_list = client.get("/api/articles/")
    assert article_list.status_code == 200

    login = api_client.post("/api/auth/token/", {"username": "neu", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    assert login.json()["token"] == token


def test_token_with_wrong_password_is_400(api_client: APIClient) -> None:
    UserFactory(username="jemand")
    response = api_client.post(
        "/api/auth/token/", {"username": "jemand", "password": "falsch"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize("username", ["Leserin", "leserin"])
def test_username_taken_case_insensitively(api_client: APIClient, username: str) -> None:
    UserFactory(username="leserin")
    response = api_client.post(
        "/api/auth/register/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["This username is taken."]}


@pytest.mark.parametrize("password", ["kurz", "12345678901", "password123"])
def test_weak_passwords_are_refused(api_client: APIClient, password: str) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": "neu", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.parametrize("username", ["mit leerzeichen", "<script>", ""])
def test_invalid_usernames_are_refused(api_client: APIClient, username: str) -> None:
    response = api_client.post(
        "/api/auth/register/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()
