"""The audit log's one door. A change that must be audited and its entry commit
together or not at all (``audited``), and each kind of entry is written by exactly
one function here: a comment's status, a reader's restrictions, the site's
settings (its policy and its active model). tests/moderation/test_audit.py keeps
every other module from writing entries itself.

Depends on nothing in moderation but its models, the statements of reasons
(moderation.dsa.statements) written with restrictions and the webhook events
(moderation.webhooks.events) raised with each change and the mails to authors
queued after it (moderation.notifications.events), so that services, decisions,
receivers and the model registry can all use it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, overload

from django.contrib.auth.models import User
from django.db import transaction

from discussion.models import Comment
from moderation.dsa.statements import statement_for_comment_entry, statement_for_reader_entry
from moderation.models import AuditEntry, ModelVersion, ReaderAuditEntry, ReaderNote, SettingsAuditEntry
from moderation.notifications.events import author_notifications_for_comment_entries
from moderation.webhooks.events import webhook_events_for_comment_entry, webhook_events_for_reader_entry

Claimed = TypeVar("Claimed")
Entry = TypeVar("Entry", AuditEntry, ReaderAuditEntry, SettingsAuditEntry)


@overload
def audited(change: Callable[[], Claimed], entry: Callable[[Claimed], Entry]) -> Entry: ...
@overload
def audited(change: Callable[[], Claimed | None], entry: Callable[[Claimed], Entry]) -> Entry | None: ...
def audited(change: Callable[[], Claimed | None], entry: Callable[[Claimed], Entry]) -> Entry | None:
    """Make ``change`` and write the audit entry ``entry`` makes of its result, in one
    transaction (a savepoint inside the caller's): an error in either undoes both.

    ``change`` is the claim: it returns what it changed (typically the row as it was
    before), or None when it changed nothing because someone else got there first; then
    no entry is written and None is returned. A change that always changes something
    gets its entry back, never None.
    """
    with transaction.atomic():
        claimed = change()
        if claimed is None:
            return None
        return entry(claimed)


@dataclass(frozen=True)
class CommentAsFound:
    """A comment's state that an entry records as "from" when no claim here returned
    the comment: a note, a refused decision, or a change its author made in the
    transaction that announced it."""

    id: int
    status: str
    revision: int


def comment_entry_write(
    before: Comment | CommentAsFound,
    *,
    actor: AuditEntry.Actor,
    to_status: str,
    reason: str,
    moderator: User | None = None,
    model_version: ModelVersion | None = None,
    score: float | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """The one writer of a comment's audit entries: ``before`` → ``to_status``. A
    restriction (rejected, removed) gets its statement of reasons with it."""
    entry = AuditEntry.objects.create(
        comment_id=before.id,
        comment_revision=before.revision,
        actor=actor,
        moderator=moderator,
        model_version=model_version,
        from_status=before.status,
        to_status=to_status,
        reason=reason,
        score=score,
        details=details or {},
    )
    _after_comment_entry(entry)
    return entry


@dataclass(frozen=True)
class CommentEntry:
    """One entry for ``comment_entries_write``: the arguments of comment_entry_write."""

    before: Comment | CommentAsFound
    actor: AuditEntry.Actor
    to_status: str
    reason: str
    model_version: ModelVersion | None = None
    score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def comment_entries_write(entries: Sequence[CommentEntry]) -> list[AuditEntry]:
    """comment_entry_write for many entries at once, as the machine's decisions on a
    batch of comments: one INSERT for all of them (the rows come back with their
    keys on PostgreSQL and SQLite ≥ 3.35), then each entry's follow-ups as
    comment_entry_write gives them."""
    written = AuditEntry.objects.bulk_create(
        AuditEntry(
            comment_id=entry.before.id,
            comment_revision=entry.before.revision,
            actor=entry.actor,
            model_version=entry.model_version,
            from_status=entry.before.status,
            to_status=entry.to_status,
            reason=entry.reason[:255],  # as AuditEntry.save keeps it (bulk_create does not call it)
            score=entry.score,
            details=entry.details,
        )
        for entry in entries
    )
    for entry in written:
        _after_comment_entry(entry, notify=False)
    author_notifications_for_comment_entries(written)
    return written


def _after_comment_entry(entry: AuditEntry, *, notify: bool = True) -> None:
    """What follows every comment entry written, in its transaction: a restriction's
    statement of reasons, the webhook events of the change and, once committed, the
    mails to authors it makes (``notify``; comment_entries_write queues a batch's
    together)."""
    assert entry.pk is not None, "an entry's follow-ups need its key"
    statement_for_comment_entry(entry)
    webhook_events_for_comment_entry(entry)
    if notify:
        author_notifications_for_comment_entries([entry])


def reader_entry_write(
    *,
    reader: User,
    moderator: User,
    action: str,
    reason: str,
    until: datetime | None,
    dsa: dict[str, Any] | None = None,
) -> ReaderAuditEntry:
    """The one writer of the audit entries of moderators' actions on readers. A
    suspension or ban gets its statement of reasons with it (``dsa``: see
    moderation.dsa.statements)."""
    entry = ReaderAuditEntry.objects.create(
        reader=reader, moderator=moderator, action=action, reason=reason, until=until
    )
    statement_for_reader_entry(entry, dsa=dsa)
    webhook_events_for_reader_entry(entry)
    return entry


def reader_note_write(
    *, reader: User, moderator: User, text: str, comment_id: int | None = None
) -> ReaderNote:
    """The one writer of moderators' notes on readers. A note is its own immutable
    record (who, about whom, when, beside which comment): it changes nothing else, so
    it needs no other entry, no statement of reasons and no webhook."""
    return ReaderNote.objects.create(reader=reader, moderator=moderator, text=text, comment_id=comment_id)


def settings_entry_write(
    *,
    subject: SettingsAuditEntry.Subject,
    changes: dict[str, dict[str, Any]],
    source: SettingsAuditEntry.Source,
    user: User | None = None,
    reason: str = "",
) -> SettingsAuditEntry:
    """The one writer of the audit entries of the site policy and the active model.
    ``changes`` maps each changed field to ``{"before": …, "after": …}``."""
    return SettingsAuditEntry.objects.create(
        subject=subject, changes=changes, source=source, user=user, reason=reason[:255]
    )


def settings_audited(
    subject: SettingsAuditEntry.Subject,
    change: Callable[[], dict[str, dict[str, Any]] | None],
    *,
    source: SettingsAuditEntry.Source,
    user: User | None = None,
    reason: str = "",
) -> SettingsAuditEntry | None:
    """``audited`` for a change of the site's settings: ``change`` returns the changed
    fields as settings_entry_write records them, or None when nothing changed."""
    return audited(
        change,
        lambda changes: settings_entry_write(
            subject=subject, changes=changes, source=source, user=user, reason=reason
        ),
    )
