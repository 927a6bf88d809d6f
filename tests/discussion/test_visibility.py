"""Comments that are not published are seen by their author only: every endpoint, tried
as another reader and anonymously, never shows them, their text, or counts them."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

HIDDEN_STATUSES = ["pending", "held", "rejected", "removed"]


def secret(status: str) -> str:
    return f"GEHEIMER-TEXT-{status.upper()}"


@pytest.fixture
def hidden(article) -> dict[str, Comment]:
    """One comment of each hidden status by one author: a top-level one and a reply."""
    author = UserFactory(username="verfasserin")
    parent = CommentFactory(article=article, body="öffentlich")
    comments = {}
    for status in HIDDEN_STATUSES:
        comments[status] = CommentFactory(article=article, author=author, status=status, body=secret(status))
        comments[f"reply-{status}"] = reply_to(
            parent, author=author, status=status, body=secret(status) + "-R"
        )
    return comments


def every_response(client: APIClient, article, comments: dict[str, Comment]) -> list:
    responses = [
        client.get("/api/articles/"),
        client.get(f"/api/articles/{article.slug}/"),
        client.get("/api/me/comments/"),
    ]
    for sort in ("oldest", "newest", "top"):
        responses.append(client.get(f"/api/articles/{article.slug}/comments/?sort={sort}"))
    for comment in comments.values():
        base = f"/api/comments/{comment.pk}/"
        responses += [
            client.get(base),
            client.get(base + "replies/"),
            client.patch(base, {"body": "übernommen"}, format="json"),
            client.delete(base),
            client.post(base + "reactions/"),
            client.delete(base + "reactions/"),
            client.post(base + "reports/", {"reason": "spam"}, format="json"),
            client.post(
                f"/api/articles/{article.slug}/comments/",
                {"body": "Antwort", "parent": comment.pk},
                format="json",
            ),
        ]
    return responses


@pytest.mark.parametrize("who", ["anonymous", "another reader"])
def test_hidden_comments_appear_nowhere(article, hidden, who: str) -> None:
    client = APIClient()
    if who == "another reader":
        client.force_authenticate(UserFactory())
    for response in every_response(client, article, hidden):
        assert response.status_code < 500
        text = response.content.decode()
        assert "GEHEIMER-TEXT" not in text, response.request["PATH_INFO"]
        assert "verfasserin" not in text

    for comment in hidden.values():
        comment.refresh_from_db()
        assert comment.status in HIDDEN_STATUSES and comment.body.startswith("GEHEIMER-TEXT")
        assert comment.like_count == comment.report_count == 0


def test_hidden_comments_are_not_counted(api_client: APIClient, article, hidden) -> None:
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comment_count"] == 1
    thread = api_client.get(f"/api/articles/{article.slug}/comments/").json()
    assert thread["comment_count"] == 1
    [node] = thread["results"]
    assert node["body"] == "öffentlich" and node["reply_count"] == 0 and node["replies"] == []


def test_the_author_sees_own_waiting_comments_but_not_removed_ones(article, hidden) -> None:
    client = APIClient()
    client.force_authenticate(hidden["pending"].author)
    for status, shown in [("pending", "pending"), ("held", "pending"), ("rejected", "rejected")]:
        response = client.get(f"/api/comments/{hidden[status].pk}/")
        assert (response.status_code, response.json()["status"]) == (200, shown)
    assert client.get(f"/api/comments/{hidden['removed'].pk}/").status_code == 404
    listed = client.get("/api/me/comments/").content.decode()
    assert secret("pending") in listed and secret("removed") not in listed
    thread = client.get(f"/api/articles/{article.slug}/comments/").content.decode()
    assert "GEHEIMER-TEXT" not in thread, "the thread is the published thread, for authors too"
