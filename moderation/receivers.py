"""Moderation listening to the discussion: every status change an author makes is audited."""

from typing import Any

from moderation.audit import CommentAsFound, comment_entry_write
from moderation.decisions import comment_check_reports
from moderation.models import AuditEntry


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
