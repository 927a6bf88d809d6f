"""The comment in the admin, as a moderator sees it: edit history and reports, read-only."""

import pytest
from django.test import Client

from discussion.models import CommentRevision, Report
from moderation.permissions import moderators_group
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client() -> Client:
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(moderators_group())
    client = Client()
    client.force_login(moderator)
    return client


def test_moderator_sees_earlier_texts_and_reports_of_a_comment(moderator_client: Client, article) -> None:
    comment = CommentFactory(article=article, body="Dritte Fassung", revision=3)
    CommentRevision.objects.create(
        comment=comment, revision=1, body="Erste <b>Fassung</b>", created_at=comment.created_at
    )
    CommentRevision.objects.create(
        comment=comment, revision=2, body="Zweite Fassung", created_at=comment.created_at
    )
    Report.objects.create(
        comment=comment, reporter=UserFactory(), reason="spam", note="Werbung", comment_revision=2
    )

    response = moderator_client.get(f"/admin/discussion/comment/{comment.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Erste &lt;b&gt;Fassung&lt;/b&gt;" in page, "readers' text is escaped in the admin"
    assert "Zweite Fassung" in page and "Werbung" in page
    assert 'name="revisions-TOTAL_FORMS"' in page
    assert 'name="revisions-0-body"' not in page, "the edit history cannot be edited"


def test_edit_history_cannot_be_changed_through_the_admin(moderator_client: Client, article) -> None:
    comment = CommentFactory(article=article)
    CommentRevision.objects.create(comment=comment, revision=1, body="Alt", created_at=comment.created_at)
    assert moderator_client.get("/admin/discussion/commentrevision/").status_code == 404
