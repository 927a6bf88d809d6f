"""GET /api/me/comments/: the reader's own comments."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_own_comments_in_every_visible_status_newest_first(reader_client: APIClient, reader, article) -> None:
    for status in ["published", "pending", "held", "rejected", "removed"]:
        CommentFactory(article=article, author=reader, status=status, body=status)
    CommentFactory(article=article, body="someone else's")

    response = reader_client.get("/api/me/comments/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(c["body"], c["status"]) for c in results] == [
        ("rejected", "rejected"),
        ("held", "pending"),
        ("pending", "pending"),
        ("published", "published"),
    ]
    assert results[0]["article"] == article.slug


def test_own_comments_are_paged(reader_client: APIClient, reader, article) -> None:
    for n in range(5):
        CommentFactory(article=article, author=reader, body=f"c{n}")
    seen: list[str] = []
    next_url = "/api/me/comments/?limit=2"
    while next_url:
        page = reader_client.get(next_url).json()
        seen += [c["body"] for c in page["results"]]
        next_url = page["next"]
    assert seen == ["c4", "c3", "c2", "c1", "c0"]


@pytest.mark.parametrize("query", ["cursor=kaputt", "limit=0", "limit=abc", "limit=", "limit=101"])
def test_bad_paging_is_400(reader_client: APIClient, query: str) -> None:
    response = reader_client.get(f"/api/me/comments/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_own_comments_need_authentication(api_client: APIClient) -> None:
    assert api_client.get("/api/me/comments/").status_code == 401


def test_others_comments_never_appear(article) -> None:
    other = UserFactory()
    CommentFactory(article=article, author=other, status=Comment.Status.PENDING, body="fremd")
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/api/me/comments/").json()["results"] == []
