"""Human decisions: moderators approving, rejecting, removing and restoring
comments, acting on reports, and restricting readers. Every one is audited."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, TextChoices
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ReaderProfile
from accounts.services import (
    reader_ban,
    reader_lift_restrictions,
    reader_set_premoderated,
    reader_suspend,
)
from discussion.dispatch import comment_request_scoring
from discussion.models import Comment, Report
from discussion.selectors import MAX_ID
from discussion.services import (
    comment_change_status,
    comment_set_featured,
    reports_reopen,
    reports_resolve,
)
from moderation.audit import (
    CommentAsFound,
    audited,
    comment_entry_write,
    reader_entry_write,
    reader_note_write,
)
from moderation.dsa.grounds import LEGAL_GROUNDS
from moderation.dsa.statements import dsa_details, statement_revoke
from moderation.models import AuditEntry, ReaderAuditEntry, ReaderNote
from moderation.permissions import is_staff_account
from moderation.policy.rules import report_threshold
from web.errors import Conflict, Forbidden, InvalidInput, NotFound

logger = logging.getLogger(__name__)
Status = Comment.Status


class Action(TextChoices):
    APPROVE = "approve", _("approve")
    REJECT = "reject", _("reject")
    REMOVE = "remove", _("remove")
    RESTORE = "restore", _("restore")
    NOTE = "note", _("note")
    FEATURE = "feature", _("feature")
    UNFEATURE = "unfeature", _("unfeature")


class RejectReason(TextChoices):
    # Stored as AuditEntry.reason. Only the offensive reasons (insult, threat, hate,
    # profanity) become training labels (modelops/training_data.py): a reason is a
    # label only when a moderator chose it, so a reject without one records "other",
    # which, like spam, off-topic and duplicate, never labels a text offensive.
    INSULT = "insult", _("insult")
    THREAT = "threat", _("threat")
    HATE = "hate", _("hate")
    PROFANITY = "profanity", _("profanity")
    SPAM = "spam", _("spam")
    OFF_TOPIC = "off_topic", _("off-topic")
    DUPLICATE = "duplicate", _("duplicate")
    OTHER = "other", _("other")


_FROM = {
    Action.APPROVE: (Status.PENDING, Status.HELD, Status.REJECTED),
    Action.REJECT: (Status.PENDING, Status.HELD, Status.PUBLISHED),
    Action.REMOVE: (Status.PENDING, Status.HELD, Status.PUBLISHED, Status.REJECTED),
    Action.RESTORE: (Status.REMOVED,),
}
_TO = {
    Action.APPROVE: Status.PUBLISHED,
    Action.REJECT: Status.REJECTED,
    Action.REMOVE: Status.REMOVED,
}


def _current(comment_id: int) -> CommentAsFound:
    row = (
        Comment.objects.filter(pk=comment_id).values_list("status", "revision").first()
        if (0 < comment_id <= MAX_ID)
        else None
    )
    if row is None:
        raise NotFound(gettext("No such comment."))
    return CommentAsFound(id=comment_id, status=row[0], revision=row[1])


def _restore_target(comment_id: int) -> str:
    """Restoring undoes a moderator's removal: the comment gets back the status it
    had. What its author deleted stays deleted."""
    removal = (
        AuditEntry.objects.filter(comment_id=comment_id, to_status=Status.REMOVED)
        .order_by("-created_at", "-id")
        .values("actor", "from_status")
        .first()
    )
    if removal is None or removal["actor"] != AuditEntry.Actor.MODERATOR:
        raise Conflict(
            gettext("Only a comment removed by a moderator can be restored."), code="not_restorable"
        )
    return removal["from_status"]


def comment_decide(
    *,
    comment_id: int,
    moderator: User,
    action: str,
    reason: str = "",
    note: str = "",
    expected_status: str | None = None,
    expected_revision: int | None = None,
    legal_ground: str = "",
    explanation: str = "",
    notice_id: int | None = None,
    manifestly_illegal: bool = False,
) -> AuditEntry:
    """Apply a moderator's decision and audit it, in one transaction.

    Rejecting and removing take a reason from RejectReason (the Netiquette rule
    broken); without one the entry records "other" (no training label: see
    RejectReason). A rejection or removal is a restriction with a statement of
    reasons for its author: ``legal_ground`` (a code of
    moderation.dsa.grounds.LEGAL_GROUNDS) when the comment is illegal, not only
    against the rules, ``explanation`` in words for the author, ``notice_id`` when it
    answers a notice of illegal content, ``manifestly_illegal`` for the misuse
    count. ``note`` is free text for moderators, kept with the entry. Approving
    also closes the open reports of the approved revision.
    ``expected_status`` and ``expected_revision`` are what the moderator saw: the
    decision applies only if the comment is still in that state and at that text.
    The status change is a conditional UPDATE, so of two moderators deciding the
    same comment at once exactly one wins; the other gets a Conflict, and the
    refused attempt is audited too.
    """
    # Without the revision seen, an edit made meanwhile would be published unread.
    if action == Action.APPROVE and expected_revision is None:
        raise InvalidInput(gettext("Give the revision of the text you approve."), field="revision")
    if action not in Action.values:
        raise InvalidInput(
            gettext("Choose one of the actions %(actions)s.") % {"actions": ", ".join(Action.values)},
            field="action",
        )
    if action in (Action.FEATURE, Action.UNFEATURE):
        featured = action == Action.FEATURE
        entry = comment_feature(comment_id=comment_id, moderator=moderator, featured=featured, note=note)
        if entry is None:
            raise Conflict(
                gettext("The comment is already featured.")
                if featured
                else gettext("The comment is not featured."),
                code="unchanged",
            )
        return entry
    restricts = action in (Action.REJECT, Action.REMOVE)
    if restricts:
        reason = reason or RejectReason.OTHER
        if reason not in RejectReason.values:
            raise InvalidInput(
                gettext("Give one of the reasons %(reasons)s.") % {"reasons": ", ".join(RejectReason.values)},
                field="reason",
            )
    if legal_ground and legal_ground not in LEGAL_GROUNDS:
        raise InvalidInput(
            gettext("Give one of the legal grounds %(grounds)s.") % {"grounds": ", ".join(LEGAL_GROUNDS)},
            field="legal_ground",
        )
    if manifestly_illegal and not legal_ground:
        raise InvalidInput(
            gettext("Only content illegal on a legal ground is manifestly illegal."), field="legal_ground"
        )
    note = note.strip()[:2000]
    dsa = (
        dsa_details(
            legal_ground=legal_ground,
            explanation=explanation.strip()[:2000],
            notice_id=notice_id,
            manifestly_illegal=manifestly_illegal,
        )
        if restricts
        else {}
    )
    current = _current(comment_id)
    if action == Action.NOTE:
        if not note:
            raise InvalidInput(gettext("A note needs some text."), field="note")
        return comment_entry_write(
            current,
            actor=AuditEntry.Actor.MODERATOR,
            moderator=moderator,
            to_status=current.status,
            reason="note",
            details={"note": note},
        )
    target = _restore_target(comment_id) if action == Action.RESTORE else _TO[Action(action)]
    allowed = [status for status in _FROM[Action(action)] if expected_status in (None, status)]

    closed: list[int] = []  # the reports an approval closes, kept so that an undo opens them again

    def change() -> Comment | None:
        before = comment_change_status(
            comment_id=comment_id, from_statuses=allowed, to_status=target, revision=expected_revision
        )
        if before is not None and action == Action.APPROVE:
            closed[:] = reports_resolve(comment_id=comment_id, revision=before.revision)
        if before is not None and target == Status.PENDING:
            comment_request_scoring(comment_id=comment_id)
        return before

    entry = audited(
        change,
        lambda before: comment_entry_write(
            before,
            actor=AuditEntry.Actor.MODERATOR,
            moderator=moderator,
            to_status=target,
            reason=reason if restricts else action,
            score=before.score,
            details={
                "action": action,
                **({"note": note} if note else {}),
                **({"dsa": dsa} if dsa else {}),
                **({"reports_closed": closed} if closed else {}),
            },
        ),
    )
    if entry is not None:
        return entry
    now = _current(comment_id)
    comment_entry_write(
        now,
        actor=AuditEntry.Actor.MODERATOR,
        moderator=moderator,
        to_status=now.status,
        reason=f"{action} refused",
        details={"refused": action, "status": now.status},
    )
    raise Conflict(
        gettext(
            "Cannot %(action)s this comment: it is %(status)s at revision %(revision)d "
            "(decided or edited meanwhile?)."
        )
        % {
            "action": Action(action).label if action in Action.values else action,
            "status": Status(now.status).label,
            "revision": now.revision,
        },
        code="decided",
    )


# How long a moderator may take back their own decision from the queue (``z``).
UNDO_SECONDS = 10
UNDO = "undo"


def comment_undo(*, comment_id: int, moderator: User, now: datetime | None = None) -> AuditEntry:
    """Take back the moderator's own last decision on a comment, within UNDO_SECONDS:
    the comment returns to the status and text it had, as its own audit entry (actor
    moderator, reason "undo", the undone entry's id in details).

    Refused (Conflict, ``not_undoable``) unless the comment's latest change of status
    is a decision of this moderator (approve, reject, remove) made within the window,
    and the comment is still as that decision left it (same status, same revision).
    The reversal is a conditional UPDATE like every decision. Its consequences follow
    the reversal: the reports an approval closed are open again, the statement of
    reasons of an undone rejection or removal is marked revoked (the author was told
    of it and now sees it reversed), and the new status raises its webhook event like
    any other change. Notes and refused attempts are no change and do not count."""
    now = now or timezone.now()
    _current(comment_id)  # NotFound for a comment that does not exist
    last = (
        AuditEntry.objects.filter(comment_id=comment_id)
        .exclude(from_status=F("to_status"))
        .order_by("-created_at", "-id")
        .first()
    )
    refused = Conflict(
        gettext(
            "Nothing to undo: only your own decision of the last %(seconds)d seconds can be undone, "
            "while nothing else has happened to the comment."
        )
        % {"seconds": UNDO_SECONDS},
        code="not_undoable",
    )
    if (
        last is None
        or last.actor != AuditEntry.Actor.MODERATOR
        or last.moderator_id != moderator.pk
        or last.details.get("action") not in (Action.APPROVE, Action.REJECT, Action.REMOVE)
        or last.created_at < now - timedelta(seconds=UNDO_SECONDS)
    ):
        raise refused
    undone = last

    def change() -> Comment | None:
        before = comment_change_status(
            comment_id=comment_id,
            from_statuses=[undone.to_status],
            to_status=undone.from_status,
            revision=undone.comment_revision,
        )
        if before is None:
            return None
        reports_reopen(comment_id=comment_id, report_ids=list(undone.details.get("reports_closed", [])))
        if undone.from_status == Status.PENDING:
            comment_request_scoring(comment_id=comment_id)  # back to the machine it was waiting for
        statement_revoke(audit_entry_id=undone.pk, at=now)
        return before

    entry = audited(
        change,
        lambda before: comment_entry_write(
            before,
            actor=AuditEntry.Actor.MODERATOR,
            moderator=moderator,
            to_status=undone.from_status,
            reason=UNDO,
            score=before.score,
            details={"action": UNDO, "undoes": undone.pk},
        ),
    )
    if entry is None:
        raise refused
    return entry


def comment_feature(
    *, comment_id: int, moderator: User, featured: bool = True, note: str = ""
) -> AuditEntry | None:
    """Make a published comment an editors' pick, or (``featured`` False) take it out
    of the picks; audited with reason "feature" or "unfeature" (the status stays).

    Idempotent: a comment that already is (not) a pick changes nothing and gets no
    entry (None). NotFound for an unknown comment, Conflict (code
    ``not_published``) to feature one that is not published. Only published picks
    reach readers (discussion.selectors), so a pick that is later rejected or
    removed leaves the picks by itself, and comes back if it is restored."""
    action = Action.FEATURE if featured else Action.UNFEATURE
    current = _current(comment_id)
    if featured and current.status != Status.PUBLISHED:
        raise Conflict(
            gettext("Only a published comment can be featured; this one is %(status)s.")
            % {"status": Status(current.status).label},
            code="not_published",
        )
    note = note.strip()[:2000]
    return audited(
        lambda: comment_set_featured(comment_id=comment_id, featured=featured, by=moderator),
        lambda before: comment_entry_write(
            before,
            actor=AuditEntry.Actor.MODERATOR,
            moderator=moderator,
            to_status=before.status,
            reason=action.value,
            details={"action": action.value, **({"note": note} if note else {})},
        ),
    )


def comment_check_reports(*, comment_id: int) -> AuditEntry | None:
    """Move a published comment to the reported queue once as many readers as the
    article's threshold have open reports on it, unless a moderator approved its
    current revision already (their approval stands against further reports).
    Reports of earlier revisions count until a moderator decides them: an edit by
    the author does not start the count afresh. A reader who reported two
    revisions counts once."""
    comment = Comment.objects.filter(pk=comment_id).values("status", "revision", "article_id").first()
    if comment is None or comment["status"] != Status.PUBLISHED:
        return None
    revision = comment["revision"]
    # An approval, not a note or an editors' pick, which leave the status as it was.
    approved = (
        AuditEntry.objects.filter(
            comment_id=comment_id,
            comment_revision=revision,
            actor=AuditEntry.Actor.MODERATOR,
            to_status=Status.PUBLISHED,
        )
        .exclude(from_status=F("to_status"))
        .exists()
    )
    if approved:
        return None
    reports = list(
        Report.objects.filter(comment_id=comment_id, resolved_at__isnull=True).values_list(
            "reporter_id", "reason"
        )
    )
    reasons = [reason for _, reason in reports]
    readers = {reporter for reporter, _ in reports if reporter is not None}
    # Reports of deleted accounts (reporter NULL) cannot be told apart: one reader each.
    deleted = sum(reporter is None for reporter, _ in reports)
    if len(readers) + deleted < report_threshold(article_id=comment["article_id"]):
        return None
    return audited(
        lambda: comment_change_status(
            comment_id=comment_id, from_statuses=[Status.PUBLISHED], to_status=Status.HELD, revision=revision
        ),
        lambda before: comment_entry_write(
            before,
            actor=AuditEntry.Actor.SYSTEM,
            to_status=Status.HELD,
            reason=f"reported {len(reasons)} times",
            details={"reports": sorted(reasons)},
        ),
    )


class ReaderAction(TextChoices):
    SUSPEND = ReaderAuditEntry.Action.SUSPEND
    BAN = ReaderAuditEntry.Action.BAN
    LIFT = ReaderAuditEntry.Action.LIFT
    PREMODERATE = ReaderAuditEntry.Action.PREMODERATE
    TRUST = ReaderAuditEntry.Action.TRUST


def reader_moderate(
    *,
    reader: User,
    moderator: User,
    action: str,
    reason: str = "",
    until: datetime | None = None,
    dsa: dict[str, Any] | None = None,
) -> ReaderAuditEntry:
    """Suspend (until a date), ban, lift, or (stop) pre-moderate a reader, audited.

    ``dsa`` (as moderation.dsa.statements.dsa_details makes it) goes to the statement
    of reasons of a suspension or ban: a ``legal_ground`` makes its ground illegal
    content rather than the terms (a suspension for misuse, DSA Art. 23), an
    ``explanation`` replaces ``reason`` as the words the reader is given there.

    The account of an administrator or a moderator is changed by an administrator
    only (Forbidden otherwise): a moderator must not be able to silence the people
    who oversee moderation, nor lift what an administrator imposed on a colleague."""
    if not moderator.is_superuser and is_staff_account(reader):
        raise Forbidden(
            gettext("Only an administrator may restrict a staff account or lift its restrictions."),
            code="staff_account",
        )
    reason = reason.strip()[:255]

    def change() -> ReaderProfile:
        if action == ReaderAction.SUSPEND:
            if until is None:
                raise InvalidInput(gettext("A suspension needs an end date."), field="until")
            return reader_suspend(user=reader, until=until, reason=reason)
        if action == ReaderAction.BAN:
            return reader_ban(user=reader, reason=reason)
        if action == ReaderAction.LIFT:
            return reader_lift_restrictions(user=reader)
        if action in (ReaderAction.PREMODERATE, ReaderAction.TRUST):
            return reader_set_premoderated(user=reader, premoderated=action == ReaderAction.PREMODERATE)
        raise InvalidInput(
            gettext("Choose one of the actions %(actions)s.") % {"actions": ", ".join(ReaderAction.values)},
            field="action",
        )

    return audited(
        change,
        lambda profile: reader_entry_write(
            reader=reader,
            moderator=moderator,
            action=action,
            reason=reason,
            until=until if action == ReaderAction.SUSPEND else None,
            dsa=dsa,
        ),
    )


NOTE_MAX_LENGTH = 2000


def reader_note_add(*, reader: User, moderator: User, text: str, comment_id: int | None = None) -> ReaderNote:
    """A moderator's note about a reader, for the other moderators; immutable, and its
    own audit record. Any moderator may write one, also about a staff account (a note
    restricts nothing)."""
    text = text.strip()
    if not text:
        raise InvalidInput(gettext("A note needs some text."), field="text")
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            gettext("A note has at most %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH}, field="text"
        )
    return reader_note_write(reader=reader, moderator=moderator, text=text, comment_id=comment_id)
