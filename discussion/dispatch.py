"""The one hand-off from the discussion to moderation: by task name, over the queue.

The database row is the truth, the message only a wake-up call: the message is
sent after the transaction commits, and if the broker is unreachable the comment
stays saved and pending for the sweeper to pick up, the reader still gets a 202.
"""

from django.db import transaction

from config.celery import app

SCORE_COMMENT_TASK = "moderation.score_comment"


def comment_request_scoring(*, comment_id: int) -> None:
    def send() -> None:
        app.send_task(SCORE_COMMENT_TASK, args=[comment_id], queue="moderation")

    transaction.on_commit(send, robust=True)
