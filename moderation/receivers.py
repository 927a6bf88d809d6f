"""Moderation listening to the discussion: every status change an author makes is
audited; new comments and reports are told to the webhooks."""

from typing import Any

from discussion.models import Comment
from moderation.audit import CommentAsFound, comment_entry_write
from moderation.decisions import comment_check_reports
from moderation.models import AuditEntry
from moderation.webhooks.events import webhook_event_for_new_comment, webhook_event_for_report


def audit_author_change(
    sender: Any,
    *,
    comment_id: int,
    revision: int,
    from_status: str,
    to_status: str,
    actor: str,
    reason: str,
    **kwargs: Any,
) -> None:
    """Write the audit entry of a change made by a comment's author. Runs inside the
    transaction of the change, so both commit together or neither does."""
    comment_entry_write(
        CommentAsFound(id=comment_id, status=from_status, revision=revision),
        actor=AuditEntry.Actor(actor),
        to_status=to_status,
        reason=reason,
    )


def queue_reported_comment(sender: Any, *, comment_id: int, **kwargs: Any) -> None:
    """A new report may push a comment over the report threshold. Runs inside the
    transaction that stored the report."""
    comment_check_reports(comment_id=comment_id)


def webhook_new_comment(sender: Any, *, comment: Comment, **kwargs: Any) -> None:
    """comment.created, in the transaction that stored the comment."""
    webhook_event_for_new_comment(comment)


def webhook_report(
    sender: Any, *, report_id: int, comment_id: int, reason: str, report_count: int, **kwargs: Any
) -> None:
    """report.created, in the transaction that stored the report."""
    webhook_event_for_report(
        report_id=report_id, comment_id=comment_id, reason=reason, report_count=report_count
    )
