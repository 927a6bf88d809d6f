"""Which decisions may tell an author something, looked at after every comment
entry (moderation.audit). In the deciding transaction nothing is read or written:
the entries that may notify are handed, by their ids, to the queue once the
transaction commits (when the site policy sends such mails at all), and the task
decides the rest (moderation.notifications.mail). So a decision never waits for a
mail, and a mail that fails never undoes a decision.

Keyed on the entry's action: the status it moved to, or, for a moderator's act that
leaves the status as it was, its reason (``feature``: a comment made an editors'
pick). Another such act is one more entry here, one in AuthorNotification.Event and
a template.
"""

import logging
from collections.abc import Sequence

from django.db import transaction

from config.celery import app
from moderation.models import AuditEntry, SitePolicy

logger = logging.getLogger(__name__)

NOTIFY_TASK = "moderation.author_notify"

# The entries' actions that may make a mail; the task sorts out which and to whom.
NOTIFYING_ACTIONS = frozenset({"published", "rejected"})
NOTIFYING_ACTS = frozenset({"feature"})  # by their reason, the status unchanged


def _may_notify(entry: AuditEntry) -> bool:
    if entry.actor == AuditEntry.Actor.AUTHOR:  # the author's own acts tell nobody
        return False
    if entry.from_status == entry.to_status:
        return entry.actor == AuditEntry.Actor.MODERATOR and entry.reason in NOTIFYING_ACTS
    return entry.to_status in NOTIFYING_ACTIONS


def notifications_on() -> bool:
    return bool(SitePolicy.objects.filter(pk=1).values_list("notify_authors", flat=True).first())


def author_notifications_for_comment_entries(entries: Sequence[AuditEntry]) -> None:
    """Queue the entries whose action may tell someone for the notification task,
    once their transaction commits and if the site policy's ``notify_authors`` is
    on (read then: one query per transaction, none inside it)."""
    entry_ids = [entry.pk for entry in entries if _may_notify(entry)]
    if not entry_ids:
        return

    def send() -> None:
        if not notifications_on():
            return
        for entry_id in entry_ids:
            app.send_task(NOTIFY_TASK, args=[entry_id])

    transaction.on_commit(send, robust=True)
