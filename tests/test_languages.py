"""One language per request: German unless the client asks for English (the API by
Accept-Language, as the widget sends it; the admin by its language switch), and
never a mix of both on one answer or page."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def register(client: APIClient, **headers: str) -> dict:
    body = {"username": "Redaktion", "password": "Ein-langes-Passwort-2026", "consent": True}
    response = client.post("/api/auth/register/", body, format="json", headers=headers)
    assert response.status_code == 400
    return response.json()


def test_an_api_refusal_is_german_by_default_and_english_when_asked(api_client: APIClient) -> None:
    assert register(api_client) == {"username": ["Dieser Benutzername ist nicht verfügbar."]}
    assert register(api_client, accept_language="en-GB,en;q=0.9") == {
        "username": ["This username is not available."]
    }
    # A language the site does not speak: its own, German.
    assert register(api_client, accept_language="fr") == {
        "username": ["Dieser Benutzername ist nicht verfügbar."]
    }


def test_the_frameworks_own_messages_follow_the_same_language(reader_client: APIClient, article) -> None:
    url = f"/api/articles/{article.slug}/comments/"
    german = reader_client.post(url, {}, format="json")
    english = reader_client.post(url, {}, format="json", headers={"accept-language": "en"})
    assert german.status_code == english.status_code == 400
    assert german.json() == {"body": ["Dieses Feld ist zwingend erforderlich."]}
    assert english.json() == {"body": ["This field is required."]}
    assert german["Content-Language"] == "de"
    assert english["Content-Language"] == "en"


def test_the_admin_speaks_german_until_switched_to_english_and_back() -> None:
    CommentFactory.create_batch(2, status=Comment.Status.HELD)
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))

    page = client.get("/admin/", headers={"accept-language": "de"}).content.decode()
    assert "Zurückgehaltene Kommentare (2)" in page
    assert 'lang="de"' in page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/admin/"
    page = client.get("/admin/", headers={"accept-language": "de"}).content.decode()
    assert "Held comments (2)" in page
    assert "Zurückgehaltene" not in page
    queue = client.get("/admin/moderation/heldcomment/").content.decode()
    assert ">Approve</button>" in queue
    assert ">Freigeben</button>" not in queue

    client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})
    assert ">Freigeben</button>" in client.get("/admin/moderation/heldcomment/").content.decode()


def test_scores_in_the_admin_are_percentages_in_the_pages_language() -> None:
    comment = CommentFactory(status=Comment.Status.HELD, score=0.0735058047575347)
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    page = client.get("/admin/discussion/comment/").content.decode()
    assert "7 %" in page
    assert "0,0735" not in page
    assert "0.0735" not in page
    detail = client.get(f"/admin/discussion/comment/{comment.pk}/change/").content.decode()
    assert "7 %" in detail


def test_records_are_named_in_the_admins_language() -> None:
    """Breadcrumbs, titles and the history name a record by its ``str``."""
    comment = CommentFactory(status=Comment.Status.HELD)
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    url = f"/admin/discussion/comment/{comment.pk}/change/"
    german = client.get(url).content.decode()
    assert f"Kommentar {comment.pk} zu Artikel {comment.article_id} (zurückgehalten)" in german
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english = client.get(url).content.decode()
    assert f"Comment {comment.pk} on article {comment.article_id} (held)" in english
