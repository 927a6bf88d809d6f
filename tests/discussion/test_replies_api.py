"""GET /api/comments/{id}/replies/: every reply below a comment, deeper ones included."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory, reply_to

pytestmark = pytest.mark.django_db

Status = Comment.Status


def url(comment_id: int) -> str:
    return f"/api/comments/{comment_id}/replies/"


def test_replies_beyond_the_display_depth_are_reachable_nested_from_the_comment(
    api_client: APIClient, article, settings
) -> None:
    settings.THREAD_DISPLAY_DEPTH = 1
    chain = [CommentFactory(article=article, body="0")]
    for depth in range(1, 5):
        chain.append(reply_to(chain[-1], body=str(depth)))

    response = api_client.get(url(chain[2].pk))
    assert response.status_code == 200
    body = response.json()
    assert body["comment"] == chain[2].pk and body["reply_count"] == 2
    [three] = body["results"]
    assert three["body"] == "3"
    assert [r["body"] for r in three["replies"]] == ["4"]


def test_replies_leave_out_comments_not_published(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article)
    reply_to(top, body="sichtbar")
    reply_to(top, body="wartet", status=Status.PENDING)
    response = api_client.get(url(top.pk))
    assert [r["body"] for r in response.json()["results"]] == ["sichtbar"]
    assert "wartet" not in response.content.decode()


def test_a_removed_comment_with_replies_still_lists_them(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article, status=Status.REMOVED, body="weg")
    reply_to(top, body="Antwort")
    response = api_client.get(url(top.pk))
    assert response.status_code == 200
    assert [r["body"] for r in response.json()["results"]] == ["Antwort"]
    assert "weg" not in response.content.decode()


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "removed"])
def test_a_comment_not_shown_without_replies_is_404(
    reader_client: APIClient, reader, article, status: str
) -> None:
    comment = CommentFactory(article=article, author=reader, status=status, body="versteckt")
    response = reader_client.get(url(comment.pk))
    assert response.status_code == 404
    assert "versteckt" not in response.content.decode()


@pytest.mark.parametrize("comment_id", [0, 987654, 2**63, 10**40])
def test_impossible_or_unknown_ids_are_404(api_client: APIClient, comment_id: int) -> None:
    assert api_client.get(url(comment_id)).status_code == 404


def test_replies_cost_a_fixed_number_of_queries(
    api_client: APIClient, article, django_assert_max_num_queries
) -> None:
    top = CommentFactory(article=article)
    for _ in range(20):
        reply_to(reply_to(top))
    with django_assert_max_num_queries(2):
        assert len(api_client.get(url(top.pk)).json()["results"]) == 20
