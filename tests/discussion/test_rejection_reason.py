"""The author of a rejected comment reads why in its detail (GET /api/comments/{id}/):
the rule it broke as a code and a label in their language. Nobody else does."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.decisions import comment_decide
from tests.factories import CommentFactory, UserFactory, client_for

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="moderatorin", is_staff=True)


def detail(client: APIClient, comment: Comment, language: str = "en") -> dict:
    response = client.get(f"/api/comments/{comment.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()


def rejected(moderator: User, reason: str) -> Comment:
    comment = CommentFactory(status=Status.HELD)
    comment_decide(
        comment_id=comment.pk, moderator=moderator, action="reject", reason=reason, expected_revision=1
    )
    return comment


def test_the_author_reads_the_rule_their_comment_broke(moderator) -> None:
    comment = rejected(moderator, "spam")

    shown = detail(client_for(comment.author), comment)

    assert shown["status"] == "rejected"
    assert shown["rejection_reason"] == {"code": "spam", "label": "Netiquette: advertising and spam"}


def test_the_label_is_in_the_readers_language(moderator) -> None:
    comment = rejected(moderator, "insult")

    reason = detail(client_for(comment.author), comment, language="de")["rejection_reason"]

    assert reason["code"] == "insult"
    assert reason["label"] == "Netiquette: Beleidigungen und persönliche Angriffe"


def test_nobody_else_reads_it(moderator) -> None:
    comment = rejected(moderator, "spam")

    # Others do not see a rejected comment at all; a moderator reading it as a reader neither.
    for client in (APIClient(), client_for(UserFactory()), client_for(moderator)):
        assert client.get(f"/api/comments/{comment.pk}/").status_code == 404
    assert "rejection_reason" not in client_for(comment.author).get("/api/me/comments/").json()["results"][0]


def test_a_published_or_pending_comment_has_none(moderator, reader) -> None:
    published = CommentFactory(author=reader)
    pending = CommentFactory(author=reader, status=Status.PENDING)

    assert detail(client_for(reader), published)["rejection_reason"] is None
    assert detail(client_for(reader), pending)["rejection_reason"] is None
    assert detail(APIClient(), published)["rejection_reason"] is None


def test_an_approved_after_a_rejection_has_none(moderator) -> None:
    comment = rejected(moderator, "spam")
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)

    assert detail(client_for(comment.author), comment)["rejection_reason"] is None
