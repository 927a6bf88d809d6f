"""What the discussion announces, for apps that depend on it (moderation).

All are sent inside the transaction that made the change, so a receiver that
writes (an audit entry, a status change) commits or rolls back with it, and an
error in a receiver undoes the change.
"""

from django.dispatch import Signal

# A reader wrote a comment (pending, not yet scored). Arguments: comment (the Comment).
comment_created = Signal()

# A comment's author changed it (edit → pending, or held → held at a new text;
# delete → removed).
# Arguments: comment_id: int, revision: int (the revision the change applies to),
# from_status: str, to_status: str, actor: str ("author"), reason: str.
comment_status_changed = Signal()

# A reader's report was stored. Arguments: report_id: int, comment_id: int,
# reason: str, report_count: int (the comment's reports, this one included).
comment_reported = Signal()
