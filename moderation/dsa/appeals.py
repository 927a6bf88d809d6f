"""Appeals (DSA Art. 20): the author of restricted content or a restricted account,
and a notifier whose notice led to no action, may complain within six months, free
of charge. A human decides, and not the one who took the first decision. A reversed
decision is undone through the same doors a moderator uses (so audited as any
other decision), the statement it overturns is marked revoked, and both the
appellant and the other party are told.
"""

from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from moderation.decisions import Action, comment_decide, reader_moderate
from moderation.dsa.explain import appeal_open_until
from moderation.dsa.notices import notice_appealable_until
from moderation.dsa.notify import appeal_decision_notify
from moderation.models import Appeal, Notice, StatementOfReasons
from moderation.policy.rules import site_policy
from web.errors import Conflict, Forbidden, InvalidInput, NotFound

Restriction = StatementOfReasons.Restriction
MAX_TEXT = 5000


def _text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(gettext("Say why the decision should be changed."), field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(gettext("At most %(limit)d characters.") % {"limit": MAX_TEXT}, field="text")
    return text


def _create(**fields: Any) -> Appeal:
    try:
        with transaction.atomic():
            return Appeal.objects.create(**fields)
    except IntegrityError:
        raise Conflict(
            gettext("An appeal against this decision is already open."), code="appeal_open"
        ) from None


def appeal_by_author(*, statement_puid: UUID | str, user: User, text: str, language: str) -> Appeal:
    """The addressee of a statement of reasons appeals against it."""
    statement = StatementOfReasons.objects.filter(puid=statement_puid, reader=user).first()
    if statement is None:
        raise NotFound(gettext("No such decision."))
    if not site_policy().appeals_enabled:
        raise Conflict(gettext("This site does not offer appeals."), code="appeals_off")
    until = appeal_open_until(statement, appeals_enabled=True)
    if until is None:
        raise Conflict(gettext("This decision was already reversed."), code="reversed")
    if timezone.now() > until:
        raise Conflict(gettext("The six months for an appeal have passed."), code="appeal_expired")
    if statement.appeals.exclude(status=Appeal.Status.OPEN).exists():
        raise Conflict(gettext("This decision was already reviewed on appeal."), code="appealed")
    return _create(statement=statement, appellant=user, text=_text(text), language=language)


def appeal_by_notifier(*, notice: Notice, text: str, language: str) -> Appeal:
    """A notifier appeals against a notice that led to no action."""
    if not site_policy().appeals_enabled:
        raise Conflict(gettext("This site does not offer appeals."), code="appeals_off")
    until = notice_appealable_until(notice, appeals_enabled=True)
    if until is None:
        raise Conflict(gettext("Only a notice that led to no action can be appealed."), code="not_refused")
    if timezone.now() > until:
        raise Conflict(gettext("The six months for an appeal have passed."), code="appeal_expired")
    if notice.appeals.exclude(status=Appeal.Status.OPEN).exists():
        raise Conflict(gettext("This decision was already reviewed on appeal."), code="appealed")
    return _create(notice=notice, appellant=notice.notifier, text=_text(text), language=language)


def first_decider(appeal: Appeal) -> User | None:
    """Who took the decision appealed against; None when no human did (the
    classifier, the report threshold, the sweeper)."""
    if appeal.notice is not None:
        return appeal.notice.decided_by
    statement = appeal.statement
    assert statement is not None
    entry = statement.audit_entry or statement.reader_audit_entry
    return entry.moderator if entry is not None else None


def _reverse_statement(statement: StatementOfReasons, moderator: User, note: str) -> None:
    """Undo the restriction: the comment back to where it was, the account free."""
    if statement.restriction in (Restriction.SUSPENDED, Restriction.BANNED):
        if statement.reader is None:
            raise Conflict(gettext("The account no longer exists."), code="gone")
        reader_moderate(reader=statement.reader, moderator=moderator, action="lift", reason=note)
        return
    if statement.comment_id is None:
        raise Conflict(gettext("The comment no longer exists."), code="gone")
    action = Action.RESTORE if statement.restriction == Restriction.REMOVED else Action.APPROVE
    comment_decide(
        comment_id=statement.comment_id,
        moderator=moderator,
        action=action,
        note=note,
        expected_status=statement.restriction if action == Action.APPROVE else None,
        expected_revision=statement.comment_revision,
    )


def _reverse_notice(notice: Notice, moderator: User, note: str, explanation: str) -> None:
    """The notifier was right: the content is restricted now, on the notice's ground."""
    if notice.comment_id is None:
        raise Conflict(gettext("The comment no longer exists."), code="gone")
    comment_decide(
        comment_id=notice.comment_id,
        moderator=moderator,
        action=Action.REMOVE,
        legal_ground=notice.legal_ground,
        explanation=explanation,
        notice_id=notice.pk,
        note=note,
    )
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.ACTIONED)


def appeal_decide(*, appeal_id: int, moderator: User, outcome: str, explanation: str) -> Appeal:
    """Decide an open appeal: ``outcome`` "upheld" (the decision stands) or
    "reversed" (it is undone). Refused (Forbidden) for the moderator who took the
    first decision. Everything in one transaction; the mails go after it commits."""
    if outcome not in (Appeal.Status.UPHELD, Appeal.Status.REVERSED):
        raise InvalidInput(gettext("Choose upheld or reversed."), field="outcome")
    explanation = explanation.strip()
    if not explanation:
        raise InvalidInput(gettext("Explain the decision to the appellant."), field="explanation")
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("statement__audit_entry__moderator", "statement__reader_audit_entry__moderator")
            .select_related("notice__decided_by", "statement__reader")
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise NotFound(gettext("No such appeal."))
        if appeal.status != Appeal.Status.OPEN:
            raise Conflict(gettext("This appeal was decided already."), code="decided")
        first = first_decider(appeal)
        if first is not None and first.pk == moderator.pk:
            raise Forbidden(
                gettext("You took the decision appealed against: another moderator decides the appeal."),
                code="same_moderator",
            )
        now = timezone.now()
        if outcome == Appeal.Status.REVERSED:
            note = f"appeal {appeal.pk} reversed"
            if appeal.statement is not None:
                _reverse_statement(appeal.statement, moderator, note)
                StatementOfReasons.objects.filter(pk=appeal.statement.pk).update(revoked_at=now)
            else:
                assert appeal.notice is not None
                _reverse_notice(appeal.notice, moderator, note, explanation)
        appeal.status = outcome
        appeal.decided_by = moderator
        appeal.decided_at = now
        appeal.explanation = explanation[:MAX_TEXT]
        appeal.save(update_fields=["status", "decided_by", "decided_at", "explanation"])
        transaction.on_commit(lambda: appeal_decision_notify(appeal_id=appeal.pk), robust=True)
    return appeal
