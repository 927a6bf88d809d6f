"""POST and DELETE /api/comments/{id}/reactions/: liking a comment."""

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from discussion.models import Comment, Reaction
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(comment_id: int) -> str:
    return f"/api/comments/{comment_id}/reactions/"


def test_like_and_unlike_are_idempotent(reader_client: APIClient, article) -> None:
    comment = CommentFactory(article=article)
    for _ in range(2):
        response = reader_client.post(url(comment.pk))
        assert response.status_code == 200
        assert response.json() == {"comment": comment.pk, "liked": True, "like_count": 1}
    assert Reaction.objects.filter(comment=comment).count() == 1

    for _ in range(2):
        response = reader_client.delete(url(comment.pk))
        assert response.status_code == 200
        assert response.json() == {"comment": comment.pk, "liked": False, "like_count": 0}
    comment.refresh_from_db()
    assert comment.like_count == 0


def test_likes_of_several_readers_add_up_and_show_in_the_thread(article) -> None:
    comment = CommentFactory(article=article)
    for user in UserFactory.create_batch(3):
        client = APIClient()
        client.force_authenticate(user)
        client.post(url(comment.pk))
    [node] = APIClient().get(f"/api/articles/{article.slug}/comments/").json()["results"]
    assert node["like_count"] == 3


def test_one_like_per_reader_is_a_database_rule(reader, article) -> None:
    comment = CommentFactory(article=article)
    Reaction.objects.create(comment=comment, user=reader)
    with pytest.raises(IntegrityError):
        Reaction.objects.create(comment=comment, user=reader)


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "removed"])
def test_only_published_comments_can_be_liked(reader_client: APIClient, reader, article, status: str) -> None:
    own = CommentFactory(article=article, status=status, author=reader)
    others = CommentFactory(article=article, status=status, author=UserFactory())
    for comment in (own, others):
        for response in (reader_client.post(url(comment.pk)), reader_client.delete(url(comment.pk))):
            assert response.status_code == 404
            assert response.json() == {"detail": "Diesen Kommentar gibt es nicht.", "code": "not_found"}
    assert not Reaction.objects.exists()


def test_own_comment_cannot_be_liked(reader_client: APIClient, reader, article) -> None:
    comment = CommentFactory(article=article, author=reader)
    response = reader_client.post(url(comment.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "own_comment"


def test_liking_needs_authentication(api_client: APIClient, article) -> None:
    comment = CommentFactory(article=article)
    assert api_client.post(url(comment.pk)).status_code == 401
    assert api_client.delete(url(comment.pk)).status_code == 401


@pytest.mark.parametrize("comment_id", [0, 987654, 2**63, 10**40])
def test_impossible_or_unknown_ids_are_404(reader_client: APIClient, comment_id: int) -> None:
    assert reader_client.post(url(comment_id)).status_code == 404


def test_unlike_of_a_comment_never_liked_changes_nothing(reader_client: APIClient, article) -> None:
    comment = CommentFactory(article=article, like_count=2)
    assert reader_client.delete(url(comment.pk)).json()["like_count"] == 2
    assert Comment.objects.get(pk=comment.pk).like_count == 2
