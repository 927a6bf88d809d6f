"""moderation.receivers: the audit entry of every change an author makes, in the same transaction."""

from unittest import mock

import pytest

from discussion.models import Comment
from discussion.services import comment_delete, comment_edit
from moderation.models import AuditEntry
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_edit_and_delete_each_write_one_author_entry(reader, article) -> None:
    comment = CommentFactory(article=article, author=reader)
    comment_edit(comment_id=comment.pk, user=reader, body="Neu")
    comment_delete(comment_id=comment.pk, user=reader)
    entries = list(
        AuditEntry.objects.filter(comment=comment).values_list(
            "actor", "from_status", "to_status", "comment_revision", "moderator", "model_version"
        )
    )
    assert entries == [
        ("author", "published", "pending", 2, None, None),
        ("author", "pending", "removed", 2, None, None),
    ]


def test_when_the_audit_entry_cannot_be_written_the_edit_is_undone(reader, article) -> None:
    comment = CommentFactory(article=article, author=reader, body="Alt")
    with (
        mock.patch.object(AuditEntry.objects, "create", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        comment_edit(comment_id=comment.pk, user=reader, body="Neu")
    comment.refresh_from_db()
    assert (comment.body, comment.status, comment.revision) == ("Alt", Comment.Status.PUBLISHED, 1)
    assert not comment.revisions.exists()
    article.refresh_from_db()
    assert article.comment_count == 1


def test_when_the_audit_entry_cannot_be_written_the_delete_is_undone(reader, article) -> None:
    comment = CommentFactory(article=article, author=reader)
    with (
        mock.patch.object(AuditEntry.objects, "create", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        comment_delete(comment_id=comment.pk, user=reader)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
