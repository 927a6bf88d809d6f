"""Statements of reasons (DSA Art. 17): one for every restriction of a comment or an
account, written by the audit log's door in the transaction of the restriction, so
that no restriction exists without its statement.

A restriction is a comment rejected or removed by the classifier, a moderator or the
system (not by its author), a comment held for longer than the site allows
(``statements_for_long_holds``, run by the sweeper), and a reader suspended or
banned. What the statement says about automation comes from the comment's audit
log: the content was detected by automated means when the classifier or the word
lists held or rejected it; the decision was fully automated when the classifier took
it, partially when a moderator confirmed what the machine flagged, not at all when a
human found and decided it.

Moderators add what only they know through the audit entry's ``details["dsa"]``:
``legal_ground`` (a code of grounds.LEGAL_GROUNDS: the content is illegal, not only
against the Netiquette), ``explanation`` (words for the author), ``notice`` (the id
of the notice the decision answers) and ``manifestly_illegal`` (counted for misuse).
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from discussion.models import Comment
from moderation.dsa.grounds import LEGAL_GROUNDS, TERMS_GROUNDS
from moderation.dsa.notify import statement_notify
from moderation.models import AuditEntry, Notice, ReaderAuditEntry, StatementOfReasons
from moderation.policy.rules import site_policy

Status = Comment.Status
Restriction = StatementOfReasons.Restriction
Automation = StatementOfReasons.Automation

_COMMENT_RESTRICTIONS = {Status.REJECTED: Restriction.REJECTED, Status.REMOVED: Restriction.REMOVED}
_READER_RESTRICTIONS = {
    ReaderAuditEntry.Action.SUSPEND: Restriction.SUSPENDED,
    ReaderAuditEntry.Action.BAN: Restriction.BANNED,
}
# Entries of the machine that flag a comment for a human or reject it.
_FLAGGED = (Status.HELD, Status.REJECTED)


def dsa_details(
    *,
    legal_ground: str = "",
    explanation: str = "",
    notice_id: int | None = None,
    manifestly_illegal: bool = False,
) -> dict[str, Any]:
    """What a moderator says about a restriction beyond the reason code, as the audit
    entry's ``details["dsa"]`` carries it to the statement (empty values left out)."""
    details: dict[str, Any] = {}
    if legal_ground:
        details["legal_ground"] = legal_ground
    if explanation:
        details["explanation"] = explanation
    if notice_id is not None:
        details["notice"] = notice_id
    if manifestly_illegal:
        details["manifestly_illegal"] = True
    return details


def _told(statement: StatementOfReasons) -> StatementOfReasons:
    """The statement, to be mailed to its addressee once the restriction commits."""
    transaction.on_commit(lambda: statement_notify(statement_id=statement.pk), robust=True)
    return statement


def comment_flagged_by_model(comment_id: int, *, before_id: int | None = None) -> bool:
    """Whether the classifier (or its word lists) held or rejected the comment, before
    the audit entry ``before_id`` when given: automated detection, for statements of
    reasons and for the notices whose processing it informed (Art. 16(6))."""
    flagged = AuditEntry.objects.filter(
        comment_id=comment_id, actor=AuditEntry.Actor.MODEL, to_status__in=_FLAGGED
    )
    if before_id is not None:
        flagged = flagged.filter(id__lt=before_id)
    return flagged.exists()


def _automation(comment_id: int, actor: str, before_id: int | None) -> tuple[bool, str]:
    """(automated detection, automated decision) of a decision on this comment by
    ``actor``, from the entries before it."""
    if actor in (AuditEntry.Actor.MODEL, AuditEntry.Actor.SYSTEM):
        return actor == AuditEntry.Actor.MODEL, Automation.FULLY
    detected = comment_flagged_by_model(comment_id, before_id=before_id)
    return detected, Automation.PARTIALLY if detected else Automation.NOT_AUTOMATED


def _ground(reason: str, dsa: dict[str, Any], *, default_terms: str) -> dict[str, Any]:
    terms = reason if reason in TERMS_GROUNDS else default_terms
    legal = dsa.get("legal_ground", "")
    if legal in LEGAL_GROUNDS:
        return {"ground": StatementOfReasons.Ground.ILLEGAL, "legal_ground": legal, "terms_ground": terms}
    return {"ground": StatementOfReasons.Ground.TERMS, "legal_ground": "", "terms_ground": terms}


def _notice(dsa: dict[str, Any]) -> Notice | None:
    notice_id = dsa.get("notice")
    return Notice.objects.filter(pk=notice_id).first() if isinstance(notice_id, int) else None


def statement_for_comment_entry(entry: AuditEntry) -> StatementOfReasons | None:
    """The statement of the restriction ``entry`` records, written now; None when the
    entry restricts nothing (a publication, a hold, a note, the author's own act, a
    refused attempt)."""
    restriction = _COMMENT_RESTRICTIONS.get(Status(entry.to_status)) if entry.to_status in Status else None
    if restriction is None or entry.actor == AuditEntry.Actor.AUTHOR or entry.from_status == entry.to_status:
        return None
    comment = Comment.objects.filter(pk=entry.comment_id).values("author_id", "created_at", "edited_at").get()
    dsa = entry.details.get("dsa", {}) if isinstance(entry.details, dict) else {}
    detected, decided = _automation(entry.comment_id, entry.actor, entry.pk)
    notice = _notice(dsa)
    statement = StatementOfReasons.objects.create(
        restriction=restriction,
        comment_id=entry.comment_id,
        comment_revision=entry.comment_revision,
        reader_id=comment["author_id"],
        audit_entry=entry,
        **_ground(
            entry.reason, dsa, default_terms="model" if entry.actor == AuditEntry.Actor.MODEL else "other"
        ),
        explanation=str(dsa.get("explanation", ""))[:2000],
        source=StatementOfReasons.Source.NOTICE if notice else StatementOfReasons.Source.VOLUNTARY,
        notice=notice,
        automated_detection=detected,
        automated_decision=decided,
        manifestly_illegal=bool(dsa.get("manifestly_illegal")),
        content_date=comment["edited_at"] or comment["created_at"],
        created_at=entry.created_at,
    )
    return _told(statement)


def statement_for_reader_entry(
    entry: ReaderAuditEntry, *, dsa: dict[str, Any] | None = None
) -> StatementOfReasons | None:
    """The statement of a suspension or ban ``entry`` records; None for other actions."""
    restriction = _READER_RESTRICTIONS.get(ReaderAuditEntry.Action(entry.action))
    if restriction is None:
        return None
    dsa = dsa or {}
    reader: User = entry.reader
    statement = StatementOfReasons.objects.create(
        restriction=restriction,
        reader=reader,
        reader_audit_entry=entry,
        **_ground("account", dsa, default_terms="account"),
        explanation=str(dsa.get("explanation", "") or entry.reason)[:2000],
        automated_detection=False,
        automated_decision=Automation.NOT_AUTOMATED,
        end_date=entry.until,
        content_date=reader.date_joined,
        created_at=entry.created_at,
    )
    return _told(statement)


def statements_for_long_holds(*, now: datetime | None = None, batch: int = 500) -> list[StatementOfReasons]:
    """A comment held longer than the site policy's ``held_statement_after_hours`` is
    withheld from readers: its author gets a statement for the hold (once per hold),
    attached to the entry that held it."""
    hours = site_policy().held_statement_after_hours
    if hours == 0:
        return []
    now = now or timezone.now()
    long_held = Comment.objects.filter(
        status=Status.HELD, status_changed_at__lt=now - timedelta(hours=hours), author__isnull=False
    ).values_list("id", flat=True)[:batch]
    # The entry that put each comment in the queue this time: its last change to held.
    current: dict[int, AuditEntry] = {}
    for entry in (
        AuditEntry.objects.filter(comment_id__in=list(long_held), to_status=Status.HELD)
        .exclude(from_status=Status.HELD)
        .select_related("comment")
        .order_by("comment_id", "-created_at", "-id")
    ):
        current.setdefault(entry.comment_id, entry)
    told = set(
        StatementOfReasons.objects.filter(audit_entry__in=current.values()).values_list(
            "audit_entry_id", flat=True
        )
    )
    made: list[StatementOfReasons] = []
    with transaction.atomic():
        for entry in current.values():
            if entry.pk in told:
                continue
            machine = entry.actor in (AuditEntry.Actor.MODEL, AuditEntry.Actor.SYSTEM)
            made.append(
                _told(
                    StatementOfReasons.objects.create(
                        restriction=Restriction.HELD,
                        comment_id=entry.comment_id,
                        comment_revision=entry.comment_revision,
                        reader_id=entry.comment.author_id,
                        audit_entry=entry,
                        ground=StatementOfReasons.Ground.TERMS,
                        terms_ground="model" if entry.actor == AuditEntry.Actor.MODEL else "other",
                        automated_detection=entry.actor == AuditEntry.Actor.MODEL,
                        automated_decision=Automation.FULLY if machine else Automation.NOT_AUTOMATED,
                        content_date=entry.comment.edited_at or entry.comment.created_at,
                        created_at=now,
                    )
                )
            )
    return made


def statement_revoke(*, audit_entry_id: int, at: datetime) -> int:
    """Mark the statement of the restriction ``audit_entry_id`` recorded as revoked: the
    moderator who restricted the comment undid it (or an appeal reversed it). The
    statement stays a record of the decision; returns how many were marked (0 or 1)."""
    return StatementOfReasons.objects.filter(audit_entry_id=audit_entry_id, revoked_at__isnull=True).update(
        revoked_at=at
    )
