"""GET, PATCH and DELETE /api/comments/{id}/: reading, editing and deleting one's own comment."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from discussion.models import Comment, CommentRevision, Reaction, Report
from moderation.models import AuditEntry
from tests.factories import ArticleFactory, CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

Status = Comment.Status


def url(comment: Comment | int) -> str:
    return f"/api/comments/{getattr(comment, 'pk', comment)}/"


@pytest.fixture
def published(reader, article) -> Comment:
    comment = CommentFactory(article=article, author=reader, body="Erste Fassung")
    return comment


# --- GET --------------------------------------------------------------------


def test_own_comment_shows_until_when_it_can_be_edited(reader_client: APIClient, published, settings) -> None:
    settings.COMMENT_EDIT_WINDOW_SECONDS = 600
    body = reader_client.get(url(published)).json()
    assert body["status"] == "published" and body["revision"] == 1
    assert body["editable_until"] is not None
    assert APIClient().get(url(published)).json()["editable_until"] is None


def test_a_comment_of_a_deleted_account_is_nobodys_to_edit(api_client: APIClient, article, settings) -> None:
    settings.COMMENT_EDIT_WINDOW_SECONDS = 600
    comment = CommentFactory(article=article, author=UserFactory(username="geloescht"))
    comment.author.delete()
    assert api_client.get(url(comment)).json()["editable_until"] is None


# --- PATCH ----------------------------------------------------------------


def test_edit_sends_the_comment_back_to_moderation(
    reader_client: APIClient, published, article, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = reader_client.patch(url(published), {"body": " Zweite Fassung "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revision"], body["body"]) == ("pending", 2, "Zweite Fassung")
    assert body["edited_at"] is not None
    assert len(callbacks) == 1, "the new text is scored again"

    published.refresh_from_db()
    assert (published.status, published.revision, published.score) == (Status.PENDING, 2, None)
    article.refresh_from_db()
    assert article.comment_count == 1, "others see the published text until the edit is decided"
    [shown] = APIClient().get(f"/api/articles/{article.slug}/comments/").json()["results"]
    assert shown["body"] == "Erste Fassung"


def test_edit_keeps_the_previous_text_for_moderators(reader_client: APIClient, published) -> None:
    reader_client.patch(url(published), {"body": "Zweite Fassung"}, format="json")
    reader_client.patch(url(published), {"body": "Dritte Fassung"}, format="json")
    history = list(CommentRevision.objects.filter(comment=published).values_list("revision", "body"))
    assert history == [(1, "Erste Fassung"), (2, "Zweite Fassung")]


def test_edit_is_audited_as_the_authors_change(reader_client: APIClient, published) -> None:
    reader_client.patch(url(published), {"body": "Neu"}, format="json")
    entry = AuditEntry.objects.get(comment=published)
    assert (entry.actor, entry.from_status, entry.to_status, entry.comment_revision) == (
        "author",
        "published",
        "pending",
        2,
    )


def test_edit_of_a_pending_comment_keeps_it_pending_at_the_next_revision(
    reader_client: APIClient, reader, article
) -> None:
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING)
    response = reader_client.patch(url(comment), {"body": "Neu"}, format="json")
    assert response.status_code == 200
    comment.refresh_from_db()
    assert (comment.status, comment.revision) == (Status.PENDING, 2)


def test_edit_of_a_held_comment_keeps_it_held_for_a_moderator(
    reader_client: APIClient, reader, article
) -> None:
    comment = CommentFactory(article=article, author=reader, status=Status.HELD, score=0.6)
    response = reader_client.patch(url(comment), {"body": "Neu"}, format="json")
    assert response.status_code == 200
    comment.refresh_from_db()
    assert (comment.status, comment.revision, comment.score) == (Status.HELD, 2, None)


def test_reactions_and_reports_stay_attached_after_an_edit(reader_client: APIClient, published) -> None:
    Reaction.objects.create(comment=published, user=UserFactory())
    Report.objects.create(comment=published, reporter=UserFactory(), reason="spam", comment_revision=1)
    Comment.objects.filter(pk=published.pk).update(like_count=1, report_count=1)
    reader_client.patch(url(published), {"body": "Neu"}, format="json")
    published.refresh_from_db()
    assert (published.like_count, published.report_count) == (1, 1)
    assert published.reactions.count() == 1 and published.reports.count() == 1


def test_edit_after_the_window_is_403_saying_the_window_closed(
    reader_client: APIClient, reader, article, settings
) -> None:
    settings.COMMENT_EDIT_WINDOW_SECONDS = 600
    old = CommentFactory(article=article, author=reader, created_at=timezone.now() - timedelta(seconds=601))
    response = reader_client.patch(url(old), {"body": "Zu spät"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "edit_window_closed"
    assert "Die Bearbeitungszeit endete" in response.json()["detail"]
    old.refresh_from_db()
    assert old.revision == 1


def test_edit_window_boundary(reader, article, settings) -> None:
    from discussion.services import comment_edit
    from web.errors import Forbidden

    settings.COMMENT_EDIT_WINDOW_SECONDS = 600
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING)
    just_inside = comment.created_at + timedelta(seconds=599)
    assert comment_edit(comment_id=comment.pk, user=reader, body="noch", now=just_inside).revision == 2
    with pytest.raises(Forbidden, match="Die Bearbeitungszeit endete"):
        comment_edit(
            comment_id=comment.pk, user=reader, body="nicht mehr", now=just_inside + timedelta(seconds=1)
        )


def test_editing_can_be_turned_off(reader_client: APIClient, published, settings) -> None:
    settings.COMMENT_EDIT_WINDOW_SECONDS = 0
    response = reader_client.patch(url(published), {"body": "Neu"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "editing_disabled"


@pytest.mark.parametrize(
    ("status", "code"), [("removed", "comment_removed"), ("rejected", "comment_rejected")]
)
def test_removed_or_rejected_comment_cannot_be_edited(
    reader_client: APIClient, reader, article, status: str, code: str
) -> None:
    comment = CommentFactory(article=article, author=reader, status=status, body="Alt")
    response = reader_client.patch(url(comment), {"body": "Neu"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code
    comment.refresh_from_db()
    assert comment.body == "Alt"


def test_someone_elses_comment_cannot_be_edited(reader_client: APIClient, article) -> None:
    visible = CommentFactory(article=article, body="Fremd")
    hidden = CommentFactory(article=article, status=Status.PENDING, body="Fremd und wartend")
    response = reader_client.patch(url(visible), {"body": "Neu"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_author"
    response = reader_client.patch(url(hidden), {"body": "Neu"}, format="json")
    assert response.status_code == 404
    assert "wartend" not in response.content.decode()


def test_editing_needs_authentication(api_client: APIClient, published) -> None:
    assert api_client.patch(url(published), {"body": "Neu"}, format="json").status_code == 401


def test_edit_on_a_closed_article_is_403(reader_client: APIClient, reader) -> None:
    comment = CommentFactory(article=ArticleFactory(comment_mode="off"), author=reader)
    response = reader_client.patch(url(comment), {"body": "Neu"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "comments_closed"


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "a\x07"}, {"body": ["x"]}])
def test_edit_with_bad_text_is_400(reader_client: APIClient, published, body: dict) -> None:
    response = reader_client.patch(url(published), body, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.parametrize("comment_id", [0, 2**63, 10**40])
def test_impossible_ids_are_404_for_every_method(reader_client: APIClient, comment_id: int) -> None:
    assert reader_client.patch(url(comment_id), {"body": "x"}, format="json").status_code == 404
    assert reader_client.delete(url(comment_id)).status_code == 404


# --- DELETE ---------------------------------------------------------------


def test_delete_removes_own_comment_softly(reader_client: APIClient, published, article) -> None:
    response = reader_client.delete(url(published))
    assert response.status_code == 204
    published.refresh_from_db()
    assert published.status == Status.REMOVED
    assert published.body == "Erste Fassung", "the row stays for moderators"
    article.refresh_from_db()
    assert article.comment_count == 0
    assert reader_client.get(url(published)).status_code == 404
    assert reader_client.delete(url(published)).status_code == 404


def test_delete_is_audited_as_the_authors_change(reader_client: APIClient, published) -> None:
    reader_client.delete(url(published))
    entry = AuditEntry.objects.get(comment=published)
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason) == (
        "author",
        "published",
        "removed",
        "deleted by its author",
    )


def test_deleted_comment_with_replies_leaves_a_placeholder(
    reader_client: APIClient, published, article
) -> None:
    reply_to(published, body="Antwort")
    reader_client.delete(url(published))
    [node] = APIClient().get(f"/api/articles/{article.slug}/comments/").json()["results"]
    assert (node["removed"], node["author"], node["body"]) == (True, None, None)
    assert node["replies"][0]["body"] == "Antwort"


def test_someone_elses_comment_cannot_be_deleted(reader_client: APIClient, article) -> None:
    comment = CommentFactory(article=article)
    response = reader_client.delete(url(comment))
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED


def test_deleting_needs_authentication(api_client: APIClient, published) -> None:
    assert api_client.delete(url(published)).status_code == 401


def test_a_waiting_comment_can_be_deleted_too(reader_client: APIClient, reader, article) -> None:
    comment = CommentFactory(article=article, author=reader, status=Status.HELD)
    assert reader_client.delete(url(comment)).status_code == 204
    comment.refresh_from_db()
    assert comment.status == Status.REMOVED
