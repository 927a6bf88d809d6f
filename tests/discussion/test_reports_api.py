"""POST /api/comments/{id}/reports/: reporting a comment to the moderators."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment, Report
from discussion.signals import comment_reported
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def url(comment_id: int) -> str:
    return f"/api/comments/{comment_id}/reports/"


@pytest.fixture
def received():
    calls: list[dict] = []

    def receiver(sender, **kwargs) -> None:
        calls.append(kwargs)

    comment_reported.connect(receiver)
    yield calls
    comment_reported.disconnect(receiver)


def test_report_is_stored_counted_and_announced(reader_client: APIClient, reader, article, received) -> None:
    comment = CommentFactory(article=article, revision=3)
    response = reader_client.post(
        url(comment.pk), {"reason": "offensive", "note": " Beleidigend "}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["reason"] == "offensive" and response.json()["note"] == "Beleidigend"

    report = Report.objects.get()
    assert (report.comment, report.reporter, report.comment_revision, report.resolved_at) == (
        comment,
        reader,
        3,
        None,
    )
    assert Comment.objects.get(pk=comment.pk).report_count == 1
    assert len(received) == 1
    assert received[0]["report_id"] == report.pk and received[0]["comment_id"] == comment.pk
    assert (received[0]["reason"], received[0]["report_count"]) == ("offensive", 1)


@pytest.mark.parametrize("reason", ["spam", "offensive", "off_topic", "misinformation", "other"])
def test_every_reason_is_accepted_and_the_note_is_optional(
    reader_client: APIClient, article, reason: str
) -> None:
    comment = CommentFactory(article=article)
    assert reader_client.post(url(comment.pk), {"reason": reason}, format="json").status_code == 201


def test_second_report_by_the_same_reader_is_409(reader_client: APIClient, article, received) -> None:
    comment = CommentFactory(article=article)
    reader_client.post(url(comment.pk), {"reason": "spam"}, format="json")
    response = reader_client.post(url(comment.pk), {"reason": "other"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Sie haben diesen Kommentar bereits gemeldet.",
        "code": "already_reported",
    }
    assert Comment.objects.get(pk=comment.pk).report_count == 1
    assert len(received) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "reason"),
        ({"reason": "boring"}, "reason"),
        ({"reason": ["spam"]}, "reason"),
        ({"reason": "spam", "note": "x" * 501}, "note"),
        ({"reason": "spam", "note": "a\x00b"}, "note"),
        ({"reason": "spam", "note": 5 * [1]}, "note"),
    ],
)
def test_bad_report_is_400_naming_the_field(
    reader_client: APIClient, article, data: dict, field: str
) -> None:
    comment = CommentFactory(article=article)
    response = reader_client.post(url(comment.pk), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Report.objects.exists()


def test_own_comment_cannot_be_reported(reader_client: APIClient, reader, article) -> None:
    comment = CommentFactory(article=article, author=reader)
    response = reader_client.post(url(comment.pk), {"reason": "spam"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "own_comment"


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "removed"])
def test_only_published_comments_can_be_reported(reader_client: APIClient, article, status: str) -> None:
    comment = CommentFactory(article=article, status=status, body="nicht öffentlich")
    response = reader_client.post(url(comment.pk), {"reason": "spam"}, format="json")
    assert response.status_code == 404
    assert "öffentlich" not in response.content.decode()


def test_reporting_needs_authentication(api_client: APIClient, article) -> None:
    comment = CommentFactory(article=article)
    assert api_client.post(url(comment.pk), {"reason": "spam"}, format="json").status_code == 401
