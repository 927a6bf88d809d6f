"""An author's edit never makes a published comment vanish: everyone else goes on
seeing the published text, in its place with its replies and likes, until the
edit is decided; the author sees their edit as pending."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from articles.models import Article
from discussion.models import Comment
from discussion.services import StatusClaim, comments_change_status
from moderation.decisions import comment_decide
from moderation.permissions import moderators_group
from tests.factories import CommentFactory, UserFactory, client_for

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def published(reader: User, article: Article) -> Comment:
    return CommentFactory(article=article, author=reader, body="Erste Fassung", like_count=2)


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(moderators_group())
    return user


def thread(article: Article, client: APIClient | None = None, sort: str = "oldest") -> list[dict]:
    response = (client or APIClient()).get(f"/api/articles/{article.slug}/comments/?sort={sort}")
    assert response.status_code == 200
    return response.json()["results"]


def edit(client: APIClient, comment: Comment, body: str) -> dict:
    response = client.patch(f"/api/comments/{comment.pk}/", {"body": body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def decide(moderator: User, comment: Comment, action: str) -> None:
    comment.refresh_from_db()
    comment_decide(
        comment_id=comment.pk,
        moderator=moderator,
        action=action,
        expected_revision=comment.revision,
        reason="insult" if action == "reject" else "",
    )


def test_others_keep_seeing_the_published_text_in_its_place(
    reader_client: APIClient, published: Comment, article: Article
) -> None:
    reply = CommentFactory(article=article, parent=published, root=published, depth=1, body="Antwort")
    later = CommentFactory(article=article, body="Später, ohne Likes")
    edit(reader_client, published, "Zweite Fassung")

    [first, second] = thread(article)
    assert (first["id"], first["body"], first["removed"]) == (published.pk, "Erste Fassung", False)
    assert first["like_count"] == 2
    assert first["edited"] is False
    assert [r["id"] for r in first["replies"]] == [reply.pk]
    assert second["id"] == later.pk
    # By likes too, it keeps its place.
    assert [c["id"] for c in thread(article, sort="top")] == [published.pk, later.pk]
    article.refresh_from_db()
    assert article.comment_count == 3


def test_the_author_sees_the_edit_pending_others_the_published_text(
    reader_client: APIClient, published: Comment
) -> None:
    edit(reader_client, published, "Zweite Fassung")
    own = reader_client.get(f"/api/comments/{published.pk}/").json()
    assert (own["status"], own["body"], own["revision"]) == ("pending", "Zweite Fassung", 2)
    seen = APIClient().get(f"/api/comments/{published.pk}/").json()
    assert (seen["status"], seen["body"], seen["revision"]) == ("published", "Erste Fassung", 1)


def test_readers_may_like_report_and_reply_while_the_edit_waits(
    reader_client: APIClient, published: Comment, article: Article
) -> None:
    edit(reader_client, published, "Zweite Fassung")
    other = client_for(UserFactory(username="nachbar"))
    assert other.post(f"/api/comments/{published.pk}/reactions/").status_code == 200
    report = other.post(f"/api/comments/{published.pk}/reports/", {"reason": "spam"}, format="json")
    assert report.status_code == 201
    reply = other.post(
        f"/api/articles/{article.slug}/comments/",
        {"body": "Eine Antwort", "parent": published.pk},
        format="json",
    )
    assert reply.status_code == 202
    # The report is of the text the reader saw.
    assert published.reports.get().comment_revision == 1


def test_a_published_edit_shows_its_new_text(
    reader_client: APIClient, published: Comment, article: Article, moderator: User
) -> None:
    edit(reader_client, published, "Zweite Fassung")
    decide(moderator, published, "approve")
    [shown] = thread(article)
    assert (shown["body"], shown["edited"]) == ("Zweite Fassung", True)
    published.refresh_from_db()
    assert (published.published_revision, published.published_body) == (None, "")
    article.refresh_from_db()
    assert article.comment_count == 1


def test_a_rejected_edit_leaves_the_published_text_published(
    reader_client: APIClient, published: Comment, article: Article, moderator: User
) -> None:
    edit(reader_client, published, "Eine beleidigende Fassung")
    decide(moderator, published, "reject")

    [shown] = thread(article)
    assert (shown["id"], shown["body"], shown["removed"]) == (published.pk, "Erste Fassung", False)
    # The rejected text stays recorded as the comment's rejected revision.
    published.refresh_from_db()
    assert (published.status, published.revision, published.body) == (
        Status.REJECTED,
        2,
        "Eine beleidigende Fassung",
    )
    own = reader_client.get(f"/api/comments/{published.pk}/").json()
    assert (own["status"], own["body"]) == ("rejected", "Eine beleidigende Fassung")
    article.refresh_from_db()
    assert article.comment_count == 1


def test_removing_the_comment_takes_the_published_text_away_too(
    reader_client: APIClient, published: Comment, article: Article, moderator: User
) -> None:
    edit(reader_client, published, "Zweite Fassung")
    decide(moderator, published, "remove")
    assert thread(article) == []
    assert APIClient().get(f"/api/comments/{published.pk}/").status_code == 404
    article.refresh_from_db()
    assert article.comment_count == 0


def test_the_machine_publishing_the_edit_ends_the_published_copy(
    reader_client: APIClient, published: Comment, article: Article
) -> None:
    edit(reader_client, published, "Zweite Fassung")
    comments_change_status(
        claims=[
            StatusClaim(
                comment_id=published.pk,
                revision=2,
                from_status=Status.PENDING,
                to_status=Status.PUBLISHED,
                score=0.1,
            )
        ]
    )
    published.refresh_from_db()
    assert (published.status, published.published_revision) == (Status.PUBLISHED, None)
    assert thread(article)[0]["body"] == "Zweite Fassung"
    article.refresh_from_db()
    assert article.comment_count == 1


def test_an_edit_of_a_comment_that_never_was_published_stays_out_of_the_thread(
    reader_client: APIClient, reader: User, article: Article
) -> None:
    waiting = CommentFactory(article=article, author=reader, status=Status.PENDING)
    edit(reader_client, waiting, "Neue Fassung")
    assert thread(article) == []
