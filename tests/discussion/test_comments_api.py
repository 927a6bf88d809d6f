import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def comments_url(slug: str) -> str:
    return f"/api/articles/{slug}/comments/"


def test_posting_needs_authentication(api_client: APIClient, article) -> None:
    response = api_client.post(comments_url(article.slug), {"body": "Hallo"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Comment.objects.exists()


def test_a_new_comment_is_pending_and_handed_to_moderation(
    reader_client: APIClient, article, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = reader_client.post(
            comments_url(article.slug), {"body": "  Guter Artikel!  "}, format="json"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert body["body"] == "Guter Artikel!"
    assert body["author"] == "leserin"
    assert Comment.objects.get(pk=body["id"]).status == Comment.Status.PENDING
    assert len(callbacks) == 1, "scoring must be requested once, after commit"


def test_unknown_article_is_404_for_reading_and_posting(reader_client: APIClient) -> None:
    for response in (
        reader_client.get(comments_url("gibt-es-nicht")),
        reader_client.post(comments_url("gibt-es-nicht"), {"body": "Hallo"}, format="json"),
    ):
        assert response.status_code == 404
        assert "gibt-es-nicht" in response.json()["detail"]


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_empty_body_is_400_naming_the_field(reader_client: APIClient, article, body: str) -> None:
    response = reader_client.post(comments_url(article.slug), {"body": body}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()
    assert not Comment.objects.exists()


def test_missing_body_is_400(reader_client: APIClient, article) -> None:
    response = reader_client.post(comments_url(article.slug), {}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


@override_settings(COMMENT_MAX_LENGTH=20)
def test_too_long_body_is_400(reader_client: APIClient, article) -> None:
    response = reader_client.post(comments_url(article.slug), {"body": "x" * 21}, format="json")
    assert response.status_code == 400
    assert "Höchstens 20 Zeichen" in response.json()["body"][0]


def test_control_characters_are_refused_but_newlines_kept(reader_client: APIClient, article) -> None:
    assert (
        reader_client.post(comments_url(article.slug), {"body": "a\x00b"}, format="json").status_code == 400
    )
    response = reader_client.post(
        comments_url(article.slug), {"body": "Zeile 1\nZeile 2\tTab"}, format="json"
    )
    assert response.status_code == 202
    assert response.json()["body"] == "Zeile 1\nZeile 2\tTab"


def test_text_is_stored_nfc_normalised(reader_client: APIClient, article) -> None:
    response = reader_client.post(comments_url(article.slug), {"body": "Gru\u0308ße"}, format="json")
    assert Comment.objects.get(pk=response.json()["id"]).body == "Grüße"


def test_parent_from_another_article_is_400(reader_client: APIClient, article) -> None:
    elsewhere = CommentFactory(article=ArticleFactory())
    response = reader_client.post(
        comments_url(article.slug), {"body": "Antwort", "parent": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "removed"])
def test_parent_must_be_published(reader_client: APIClient, article, status: str) -> None:
    parent = CommentFactory(article=article, status=status)
    response = reader_client.post(
        comments_url(article.slug), {"body": "Antwort", "parent": parent.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("parent", [0, -1, 2**63, 10**30, "abc", 1.5])
def test_impossible_parent_ids_are_400(reader_client: APIClient, article, parent: object) -> None:
    response = reader_client.post(
        comments_url(article.slug), {"body": "Antwort", "parent": parent}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_reply_is_threaded_under_its_parent(reader_client: APIClient, article) -> None:
    parent = CommentFactory(article=article)
    response = reader_client.post(
        comments_url(article.slug), {"body": "Antwort", "parent": parent.pk}, format="json"
    )
    reply = Comment.objects.get(pk=response.json()["id"])
    assert (reply.parent_id, reply.root_id, reply.depth) == (parent.pk, parent.pk, 1)
    second = reader_client.post(
        comments_url(article.slug), {"body": "Tiefer", "parent": reply.pk}, format="json"
    )
    assert second.status_code == 400, "a pending reply cannot be replied to"
    reply.status = Comment.Status.PUBLISHED
    reply.save()
    second = reader_client.post(
        comments_url(article.slug), {"body": "Tiefer", "parent": reply.pk}, format="json"
    )
    deeper = Comment.objects.get(pk=second.json()["id"])
    assert (deeper.root_id, deeper.depth) == (parent.pk, 2)


def test_closed_article_refuses_comments(reader_client: APIClient) -> None:
    closed = ArticleFactory(comment_mode="off")
    response = reader_client.post(comments_url(closed.slug), {"body": "Hallo"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Die Kommentare zu diesem Artikel sind geschlossen."


def test_thread_shows_published_comments_with_nested_replies(api_client: APIClient, article) -> None:
    first = CommentFactory(article=article, body="Erster")
    reply = CommentFactory(article=article, parent=first, root=first, depth=1, body="Antwort")
    CommentFactory(article=article, parent=reply, root=first, depth=2, body="Antwort auf Antwort")
    CommentFactory(article=article, body="Wartet", status=Comment.Status.PENDING)
    CommentFactory(article=article, body="Abgelehnt", status=Comment.Status.REJECTED)
    CommentFactory(
        article=article, parent=first, root=first, depth=1, body="Gehalten", status=Comment.Status.HELD
    )
    second = CommentFactory(article=article, body="Zweiter")
    CommentFactory(body="Anderer Artikel")

    results = api_client.get(comments_url(article.slug)).json()["results"]
    assert [c["body"] for c in results] == ["Erster", "Zweiter"]
    assert [r["body"] for r in results[0]["replies"]] == ["Antwort"]
    assert [r["body"] for r in results[0]["replies"][0]["replies"]] == ["Antwort auf Antwort"]
    assert results[1]["id"] == second.pk and results[1]["replies"] == []


def test_author_sees_own_waiting_comment_others_do_not(
    api_client: APIClient, reader_client: APIClient, reader
) -> None:
    held = CommentFactory(author=reader, status=Comment.Status.HELD)
    rejected = CommentFactory(author=reader, status=Comment.Status.REJECTED)
    removed = CommentFactory(author=reader, status=Comment.Status.REMOVED)
    assert reader_client.get(f"/api/comments/{held.pk}/").json()["status"] == "pending"
    assert reader_client.get(f"/api/comments/{rejected.pk}/").json()["status"] == "rejected"
    assert reader_client.get(f"/api/comments/{removed.pk}/").status_code == 404

    other = APIClient()
    other.force_authenticate(UserFactory())
    for client in (api_client, other):
        for comment in (held, rejected, removed):
            response = client.get(f"/api/comments/{comment.pk}/")
            assert response.status_code == 404
            assert comment.body not in response.content.decode()


def test_published_comment_is_public(api_client: APIClient) -> None:
    comment = CommentFactory(body="Öffentlich")
    response = api_client.get(f"/api/comments/{comment.pk}/")
    assert response.status_code == 200
    assert response.json()["body"] == "Öffentlich"


@pytest.mark.parametrize("comment_id", ["0", str(2**63), "9" * 40])
def test_impossible_comment_ids_are_404(api_client: APIClient, comment_id: str) -> None:
    response = api_client.get(f"/api/comments/{comment_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_json_is_400_json(reader_client: APIClient, article) -> None:
    response = reader_client.post(comments_url(article.slug), '{"body": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON-Fehler" in response.json()["detail"]


def test_wrong_content_type_is_415(reader_client: APIClient, article) -> None:
    response = reader_client.post(comments_url(article.slug), "body=hallo", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_unknown_api_path_is_json_404(api_client: APIClient) -> None:
    response = api_client.get("/api/gibt-es-nicht/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
