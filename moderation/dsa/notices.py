"""Notices of illegal content (DSA Art. 16): anyone, signed in or not, tells the site
that a comment is illegal; the site confirms receipt, a moderator decides, and the
notifier is told the outcome, whether automated means were used, and the redress.

The notifier follows their notice with the secret token they get once on receipt
(in the API's answer and in the confirmation mail); only its sha256 is stored.

Mails are sent after the transaction that made them due has committed, and again
by ``notices_send_due`` (the periodic task) when that failed. Each mail is claimed
first with a conditional UPDATE of its ``*_sent_at`` column, so that two senders
never send the same mail twice; a failed send clears the claim again, so the column
is set only for a mail the backend took.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.services import text_clean
from articles.selectors import comment_link
from discussion.models import Comment
from discussion.selectors import comment_get
from moderation.decisions import RejectReason, comment_decide
from moderation.dsa.explain import APPEAL_WINDOW
from moderation.dsa.grounds import LEGAL_GROUNDS, legal_ground
from moderation.dsa.mail import absolute, mail_send
from moderation.dsa.misuse import notices_suspended_until
from moderation.dsa.statements import comment_flagged_by_model
from moderation.models import Notice, StatementOfReasons
from moderation.policy.rules import site_policy
from moderation.webhooks.events import webhook_event_for_notice
from web.errors import Conflict, Forbidden, InvalidInput, NotFound

Status = Notice.Status

EXPLANATION_MIN_LENGTH = 20
EXPLANATION_MAX_LENGTH = 5000
DECISION_EXPLANATION_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
GROUND_OTHER_MAX_LENGTH = 255
# The periodic sender leaves a mail this long to the sender of the request that made
# it due, which alone knows the notifier's token.
SEND_GRACE = timedelta(minutes=2)
# A comment in these states is still shown (or may be): removing it is a decision.
_STILL_SHOWN = (Comment.Status.PUBLISHED, Comment.Status.PENDING, Comment.Status.HELD)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def notice_follow_path(reference: UUID | str, token: str = "") -> str:
    """Where the notifier reads the state of their notice (and, once refused, may
    appeal): the notice's page, with the token when it is known."""
    path = reverse("notice-page", args=[str(reference)])
    return f"{path}?token={token}" if token else path


def _comment_url(comment: Comment) -> str:
    article = comment.article
    return absolute(comment_link(slug=article.slug, url=article.url, comment_id=comment.pk))


def _required_text(raw: str, *, field: str, max_length: int) -> str:
    text = text_clean(raw, field=field, max_length=max_length)
    if not text:
        raise InvalidInput(gettext("This field is required."), field=field)
    return text


def _language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notice_create(
    *,
    comment_id: int,
    legal_ground: str,
    explanation: str,
    good_faith: bool,
    notifier: User | AnonymousUser,
    legal_ground_other: str = "",
    notifier_name: str = "",
    notifier_email: str = "",
    language: str = "",
) -> tuple[Notice, str]:
    """Store a notice about a comment the notifier can see and confirm its receipt;
    returns the notice and its token (not stored, so given out only here).

    Refused with a 400 naming the field: a comment the notifier cannot see (as one
    that does not exist), an unknown ground, "other" without naming the provision, an
    explanation shorter than a substantiated one can be (or too long), no name or
    email where the ground requires them (all but § 184b StGB, DSA Art. 16(2)(c)),
    no statement of good faith. A notifier whose notices are suspended for misuse
    gets a 403 with the end date (when the site counts misuse); a notice the
    notifier already sent about the comment and that is still open, a 409 with its
    reference. The comment's row is locked while this is checked and the notice
    written, so that of two equal notices at once one is stored.
    """
    if legal_ground not in LEGAL_GROUNDS:
        raise InvalidInput(
            gettext("Give one of the legal grounds %(grounds)s.") % {"grounds": ", ".join(LEGAL_GROUNDS)},
            field="legal_ground",
        )
    ground = LEGAL_GROUNDS[legal_ground]
    ground_other = text_clean(
        legal_ground_other,
        field="legal_ground_other",
        max_length=GROUND_OTHER_MAX_LENGTH,
    )
    if legal_ground == "other" and not ground_other:
        raise InvalidInput(gettext("Name the provision the comment breaks."), field="legal_ground_other")
    explanation = _required_text(explanation, field="explanation", max_length=EXPLANATION_MAX_LENGTH)
    if len(explanation) < EXPLANATION_MIN_LENGTH:
        raise InvalidInput(
            gettext("Explain in at least %(minimum)d characters why the comment is illegal.")
            % {"minimum": EXPLANATION_MIN_LENGTH},
            field="explanation",
        )
    name = text_clean(notifier_name, field="notifier_name", max_length=NAME_MAX_LENGTH)
    email = text_clean(notifier_email, field="notifier_email", max_length=EMAIL_MAX_LENGTH)
    if not ground.anonymous_notice_allowed:
        if not name:
            raise InvalidInput(gettext("Give your name."), field="notifier_name")
        if not email:
            raise InvalidInput(gettext("Give your email address."), field="notifier_email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(gettext("Enter a valid email address."), field="notifier_email") from None
    if good_faith is not True:
        raise InvalidInput(
            gettext("Confirm that you believe the information in your notice is accurate and complete."),
            field="good_faith",
        )
    try:
        comment = comment_get(comment_id=comment_id, user=notifier)
    except NotFound:
        raise InvalidInput(gettext("No such comment."), field="comment") from None
    if email and site_policy().misuse_enabled:
        until = notices_suspended_until(email)
        if until is not None:
            shown = timezone.localtime(until)
            raise Forbidden(
                gettext(
                    "Notices from this address are not processed until %(until)s, "
                    "because it sent manifestly unfounded notices."
                )
                % {"until": date_format(shown, "DATETIME_FORMAT")},
                code="notices_suspended",
                extra={"reason": "manifestly unfounded notices", "until": shown.isoformat()},
            )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        list(Comment.objects.select_for_update().filter(pk=comment.pk).values_list("pk"))
        if email:
            existing = (
                Notice.objects.filter(comment=comment, notifier_email__iexact=email, status=Status.OPEN)
                .values_list("reference", flat=True)
                .first()
            )
            if existing is not None:
                raise Conflict(
                    gettext("You have already sent a notice about this comment; it is still open."),
                    code="duplicate_notice",
                    extra={"reference": str(existing)},
                )
        notice = Notice.objects.create(
            token_hash=token_hash(token),
            comment=comment,
            comment_revision=comment.revision,
            comment_url=_comment_url(comment),
            legal_ground=legal_ground,
            legal_ground_other=ground_other,
            explanation=explanation,
            notifier_name=name,
            notifier_email=email,
            notifier=notifier if isinstance(notifier, User) else None,
            good_faith=True,
            language=_language(language),
        )
        webhook_event_for_notice(notice)
        if email:
            transaction.on_commit(lambda: notice_receipt_send(notice_id=notice.pk, token=token))
    notice.refresh_from_db(fields=["receipt_sent_at"])
    return notice, token


def notice_find(*, reference: UUID, token: str) -> Notice:
    """The notice of this reference if ``token`` is its secret; NotFound otherwise,
    the same for a wrong token as for no such notice. The hashes are compared in
    constant time."""
    notice = Notice.objects.filter(reference=reference).first()
    # Hashed even when there is no notice, so the time taken does not tell.
    given = token_hash(token)
    if notice is None or not token or not secrets.compare_digest(given, notice.token_hash):
        raise NotFound(gettext("No such notice."))
    return notice


def notice_appealable_until(notice: Notice, *, appeals_enabled: bool | None = None) -> datetime | None:
    """Until when the notifier may appeal: six months after a refusal, where the site
    takes appeals (DSA Art. 20(1)); None otherwise."""
    if notice.status != Status.REFUSED or notice.decided_at is None:
        return None
    enabled = site_policy().appeals_enabled if appeals_enabled is None else appeals_enabled
    return notice.decided_at + APPEAL_WINDOW if enabled else None


def notices_open_count() -> int:
    """Notices waiting for a decision, for the admin's index. One query."""
    return Notice.objects.filter(status=Status.OPEN).count()


# --- Decisions --------------------------------------------------------------


def _automated_means(comment_id: int | None) -> bool:
    """Whether automated means were used in processing a notice (Art. 16(6)): yes when
    the classifier had flagged the comment (held it for a human or rejected it)
    before the moderator decided, so that its assessment was part of what they
    weighed. The decision itself is always a human's; a comment the classifier let
    through counts as processed without automated means."""
    return comment_id is not None and comment_flagged_by_model(comment_id)


def notice_decide(
    *,
    notice_id: int,
    moderator: User,
    action: str,
    explanation: str = "",
    legal_ground: str = "",
    reason: str = "",
    manifestly_illegal: bool = False,
    manifestly_unfounded: bool = False,
) -> Notice:
    """A moderator's decision on an open notice; a notice decided already is a Conflict.

    ``action="remove"`` restricts the comment through moderation.decisions.comment_decide
    (removed when published, rejected while it waits), on the legal ground the
    moderator confirms (default: the notice's) and the Netiquette ``reason``
    (default "other"), so that the author's statement of reasons records the notice
    as its source. Every open notice about the comment is then actioned with it. A
    comment no longer shown (rejected, removed, deleted) is not decided again: the
    notice is actioned as it stands. ``action="refuse"`` closes this notice without
    action; ``manifestly_unfounded`` counts it for misuse (Art. 23).

    Each decided notice records who decided when, the explanation, and whether
    automated means were used (see ``_automated_means``); its notifier is mailed
    after commit. A comment decision refused because the comment changed meanwhile
    leaves the notices open and raises its Conflict (the refused attempt audited).
    """
    if action not in ("remove", "refuse"):
        raise InvalidInput(gettext("Choose one of the actions remove, refuse."), field="action")
    explanation = text_clean(explanation, field="explanation", max_length=DECISION_EXPLANATION_MAX_LENGTH)
    if action == "refuse" and not explanation:
        raise InvalidInput(gettext("Say why no action is taken; the notifier is told."), field="explanation")
    if reason and reason not in RejectReason.values:
        raise InvalidInput(
            gettext("Give one of the reasons %(reasons)s.") % {"reasons": ", ".join(RejectReason.values)},
            field="reason",
        )
    if legal_ground and legal_ground not in LEGAL_GROUNDS:
        raise InvalidInput(
            gettext("Give one of the legal grounds %(grounds)s.") % {"grounds": ", ".join(LEGAL_GROUNDS)},
            field="legal_ground",
        )
    refused_decision: Conflict | None = None
    decided: list[int] = []
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NotFound(gettext("No such notice."))
        if notice.status != Status.OPEN:
            raise Conflict(
                gettext("This notice was decided already (%(status)s).")
                % {"status": notice.get_status_display()},
                code="notice_decided",
            )
        now = timezone.now()
        automated = _automated_means(notice.comment_id)
        facts: dict[str, Any] = {
            "decided_by": moderator,
            "decided_at": now,
            "decision_explanation": explanation,
            "automated_means": automated,
        }
        if action == "refuse":
            Notice.objects.filter(pk=notice.pk).update(
                status=Status.REFUSED, manifestly_unfounded=manifestly_unfounded, **facts
            )
            decided = [notice.pk]
        else:
            comment_id = notice.comment_id
            status = (
                Comment.objects.filter(pk=comment_id).values_list("status", flat=True).first()
                if comment_id is not None
                else None
            )
            try:
                if comment_id is not None and status in _STILL_SHOWN:
                    comment_decide(
                        comment_id=comment_id,
                        moderator=moderator,
                        action="remove" if status == Comment.Status.PUBLISHED else "reject",
                        reason=reason or RejectReason.OTHER,
                        legal_ground=legal_ground or notice.legal_ground,
                        explanation=explanation,
                        notice_id=notice.pk,
                        manifestly_illegal=manifestly_illegal,
                        expected_status=status,
                    )
            except Conflict as exc:
                refused_decision = exc
            else:
                decided = (
                    [notice.pk]
                    if comment_id is None
                    else list(
                        Notice.objects.select_for_update()
                        .filter(comment_id=comment_id, status=Status.OPEN)
                        .values_list("pk", flat=True)
                    )
                )
                Notice.objects.filter(pk__in=decided).update(status=Status.ACTIONED, **facts)
        for pk in decided:
            transaction.on_commit(_sender(notice_decision_send, pk))
    if refused_decision is not None:
        raise refused_decision
    notice.refresh_from_db()
    return notice


# --- Mails ------------------------------------------------------------------


def _sender(send: Callable[..., bool], notice_id: int) -> Callable[[], None]:
    def run() -> None:
        send(notice_id=notice_id)

    return run


def _claimed(notice_id: int, column: str, **conditions: Any) -> datetime | None:
    """Claim one mail: set its column if still unset; the time set, or None when
    another sender has it (or it is not due)."""
    now = timezone.now()
    claimed = Notice.objects.filter(pk=notice_id, **{f"{column}__isnull": True}, **conditions).update(
        **{column: now}
    )
    return now if claimed == 1 else None


def _unclaim(notice_id: int, column: str, claimed_at: datetime) -> None:
    Notice.objects.filter(pk=notice_id, **{column: claimed_at}).update(**{column: None})


def _ground_label(notice: Notice, code: str | None = None) -> str:
    label = str(legal_ground(code or notice.legal_ground).label)
    if (code or notice.legal_ground) == "other" and notice.legal_ground_other:
        return f"{label}: {notice.legal_ground_other}"
    return label


def notice_receipt_send(*, notice_id: int, token: str = "") -> bool:
    """The confirmation of receipt (Art. 16(4)) to the notifier, in their language:
    the reference, what happens next and the link to follow the notice (with the
    token when this sender knows it). True when sent by this call."""
    claimed_at = _claimed(notice_id, "receipt_sent_at", notifier_email__gt="")
    if claimed_at is None:
        return False
    notice = Notice.objects.get(pk=notice_id)
    sent = mail_send(
        to=notice.notifier_email,
        template="notice_receipt",
        language=notice.language,
        context={
            "notice": notice,
            "reference": str(notice.reference),
            "ground": _ground_label(notice),
            "deadline_hours": site_policy().notice_deadline_hours,
            "follow_url": absolute(notice_follow_path(notice.reference, token)),
            "token_included": bool(token),
        },
    )
    if not sent:
        _unclaim(notice_id, "receipt_sent_at", claimed_at)
    return sent


def notice_decision_send(*, notice_id: int) -> bool:
    """The decision (Art. 16(5)) to the notifier, in their language: the outcome and
    its reasons, whether automated means were used (Art. 16(6)), and the redress:
    an internal appeal where the site takes appeals, out-of-court settlement, the
    courts. True when sent by this call."""
    claimed_at = _claimed(notice_id, "decision_sent_at", notifier_email__gt="", decided_at__isnull=False)
    if claimed_at is None:
        return False
    notice = Notice.objects.get(pk=notice_id)
    # The ground the moderator confirmed: that of the statement the removal wrote,
    # which names one notice of those decided together.
    statement = (
        StatementOfReasons.objects.filter(comment_id=notice.comment_id, source="notice")
        .order_by("-created_at", "-id")
        .values("legal_ground")
        .first()
        if notice.status == Status.ACTIONED and notice.comment_id is not None
        else None
    )
    sent = mail_send(
        to=notice.notifier_email,
        template="notice_decision",
        language=notice.language,
        context={
            "notice": notice,
            "reference": str(notice.reference),
            "actioned": notice.status == Status.ACTIONED,
            "ground": _ground_label(notice),
            "confirmed_ground": _ground_label(notice, statement["legal_ground"]) if statement else "",
            "appealable_until": notice_appealable_until(notice),
            "follow_url": absolute(notice_follow_path(notice.reference)),
            "out_of_court_url": settings.DSA_OUT_OF_COURT_URL,
        },
    )
    if not sent:
        _unclaim(notice_id, "decision_sent_at", claimed_at)
    return sent


def notices_send_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """Send the receipts and decision mails still unsent (the periodic task's part);
    how many were sent. Idempotent: each mail is claimed before it is sent."""
    before = (now or timezone.now()) - SEND_GRACE
    with_address = Notice.objects.exclude(notifier_email="")
    receipts = with_address.filter(receipt_sent_at__isnull=True, created_at__lt=before)
    decisions = with_address.filter(decision_sent_at__isnull=True, decided_at__lt=before)
    sent = sum(notice_receipt_send(notice_id=pk) for pk in receipts.values_list("pk", flat=True)[:batch])
    return sent + sum(
        notice_decision_send(notice_id=pk) for pk in decisions.values_list("pk", flat=True)[:batch]
    )
