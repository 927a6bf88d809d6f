"""Registering asks for consent to the discussion rules and the privacy notice; the
account keeps when, how and to which texts. Accounts made by the publisher's
sign-in are covered by its terms, recorded as such."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ReaderProfile
from moderation.permissions import moderators_group
from tests.accounts.test_sso import coral_claims, hs256, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/auth/register/"
PASSWORD = "ein-sicheres-Passwort-42"


def register(body: dict[str, object], **headers: str):
    return APIClient().post(URL, body, format="json", headers=headers)


@pytest.mark.parametrize("consent", [None, False, "nein", 0])
def test_registering_without_consent_is_400_naming_consent(consent: object) -> None:
    body: dict[str, object] = {"username": "neu", "password": PASSWORD}
    if consent is not None:
        body["consent"] = consent
    response = register(body, **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert list(response.json()) == ["consent"]
    assert not get_user_model().objects.filter(username="neu").exists()


def test_refused_consent_is_explained() -> None:
    response = register(
        {"username": "neu", "password": PASSWORD, "consent": False}, **{"Accept-Language": "en"}
    )
    assert response.json() == {
        "consent": ["Agree to the discussion rules and the privacy notice to register."]
    }


def test_consent_is_stored_with_the_texts_agreed_to(settings) -> None:
    settings.NETIQUETTE_URL = "https://zeitung.example/netiquette-2026"
    settings.PRIVACY_URL = "https://zeitung.example/datenschutz"
    response = register({"username": "neu", "password": PASSWORD, "consent": True})
    assert response.status_code == 201, response.content
    profile = ReaderProfile.objects.get(user__username="neu")
    assert profile.consent_source == ReaderProfile.ConsentSource.REGISTRATION
    assert timezone.now() - timedelta(minutes=1) < profile.consented_at <= timezone.now()
    assert profile.consent_netiquette_url == "https://zeitung.example/netiquette-2026"
    assert profile.consent_privacy_url == "https://zeitung.example/datenschutz"


@pytest.mark.parametrize(("header", "stored"), [("en", "en"), ("de-AT", "de"), ("fr", "de")])
def test_the_language_registered_in_is_kept(header: str, stored: str) -> None:
    response = register(
        {"username": "neu", "password": PASSWORD, "consent": True}, **{"Accept-Language": header}
    )
    assert response.status_code == 201
    assert ReaderProfile.objects.get(user__username="neu").language == stored


def test_the_terms_are_there_for_the_form(settings) -> None:
    settings.NETIQUETTE_URL = "/regeln/"
    settings.PRIVACY_URL = "https://zeitung.example/datenschutz"
    response = APIClient().get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "netiquette_url": "/regeln/",
        "privacy_url": "https://zeitung.example/datenschutz",
    }


def test_an_account_made_by_the_publishers_sign_in_consented_through_its_terms() -> None:
    from accounts.sso import sso_secret_create

    secret = sso_secret_create(kid="2026-12")
    assert sign_in(hs256(coral_claims(), secret)).status_code == 200
    profile = ReaderProfile.objects.get(user__sso_identity__subject=coral_claims()["user"]["id"])
    assert profile.consent_source == ReaderProfile.ConsentSource.SSO
    assert profile.consented_at is not None
    assert profile.consent_privacy_url


def test_the_language_and_mails_can_be_changed(reader_client: APIClient, reader) -> None:
    response = reader_client.patch(
        "/api/me/", {"language": "en", "author_notifications": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "en"
    assert response.json()["author_notifications"] is False
    profile = ReaderProfile.objects.get(user=reader)
    assert (profile.language, profile.author_notifications) == ("en", False)


@pytest.mark.parametrize(("body", "field"), [({"language": "fr"}, "language"), ({}, "display_name")])
def test_bad_preferences_are_400_naming_the_field(reader_client: APIClient, body: dict, field: str) -> None:
    response = reader_client.patch("/api/me/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_banned_reader_may_still_turn_mails_off(reader_client: APIClient, reader) -> None:
    ReaderProfile.objects.create(user=reader, banned=True)
    response = reader_client.patch("/api/me/", {"author_notifications": False}, format="json")
    assert response.status_code == 200
    assert ReaderProfile.objects.get(user=reader).author_notifications is False


def test_consent_is_in_the_readers_export() -> None:
    response = register({"username": "neu", "password": PASSWORD, "consent": True})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    account = client.get("/api/me/export/").json()["account"]
    assert account["consent"]["through"] == "registration"
    assert account["consent"]["netiquette_url"] == "/netiquette/"
    assert account["consent"]["given_at"]


def test_accounts_from_before_have_no_consent_in_the_export(reader_client: APIClient) -> None:
    assert reader_client.get("/api/me/export/").json()["account"]["consent"] is None


def test_consent_shows_on_the_readers_admin_page() -> None:
    register({"username": "neu", "password": PASSWORD, "consent": True})
    profile = ReaderProfile.objects.get(user__username="neu")
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(moderators_group())
    client = Client()
    client.force_login(moderator)
    page = client.get(
        f"/admin/accounts/readerprofile/{profile.pk}/change/", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "/netiquette/" in html
    assert "registration form" in html
