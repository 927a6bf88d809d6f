"""Writing and sending the mails to authors that a decision makes (see events.py).

``author_notify`` runs in the task, after the decision committed. For its entry it
finds who is told what:

- ``published``: the comment's author, when a comment that waited for a moderator
  (held) is published. Comments the model publishes at once are not mailed about:
  the author sees them appear, and a mail for every comment is noise.
- ``rejected``: the comment's author, with the rule broken and the discussion
  rules' address, unless the statement of reasons the Digital Services Act asks
  for is mailed for the same rejection (DSA_EMAIL_AUTHORS): one mail, not two.
- ``replied``: the author of the comment replied to, when a reply by someone else
  is published for the first time.
- ``featured``: the comment's author, the first time a moderator makes the comment
  an editors' pick (taken out and featured again, it is not told twice).

Only where the site policy's ``notify_authors`` is on, to readers with an email
address, an active account, not deleted and not turned off
(ReaderProfile.author_notifications). One AuthorNotification per entry and event
(a unique key), claimed before sending by setting ``sent_at`` (a conditional
UPDATE), so that a redelivered task sends nothing twice; released again when the
mail backend fails, and MailNotSent raised for the task to retry.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.selectors import reader_profile_find
from articles.selectors import article_link
from discussion.models import Comment
from moderation.decisions import Action, RejectReason
from moderation.dsa.mail import absolute
from moderation.models import AuditEntry, AuthorNotification
from moderation.notifications.events import notifications_on
from moderation.notifications.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

Event = AuthorNotification.Event
Status = Comment.Status


class MailNotSent(Exception):
    """The mail backend refused or failed; the task tries again later."""


def _first_publication(entry: AuditEntry) -> bool:
    return not AuditEntry.objects.filter(
        comment_id=entry.comment_id, to_status=Status.PUBLISHED, pk__lt=entry.pk
    ).exists()


def _first_feature(entry: AuditEntry) -> bool:
    return not AuditEntry.objects.filter(
        comment_id=entry.comment_id, reason=Action.FEATURE, actor=entry.actor, pk__lt=entry.pk
    ).exists()


def _notifications_of(entry: AuditEntry, comment: Comment) -> list[tuple[str, User | None]]:
    """(event, recipient) for each mail the entry makes."""
    found: list[tuple[str, User | None]] = []
    if entry.from_status == entry.to_status:
        featured = entry.reason == Action.FEATURE and comment.status == Status.PUBLISHED
        if featured and comment.author_id != entry.moderator_id and _first_feature(entry):
            found.append((Event.FEATURED, comment.author))
    elif entry.to_status == Status.PUBLISHED:
        if entry.from_status == Status.HELD:
            found.append((Event.PUBLISHED, comment.author))
        parent = comment.parent
        if (
            parent is not None
            and parent.author_id is not None
            and parent.author_id != comment.author_id
            and entry.from_status in (Status.PENDING, Status.HELD)
            and _first_publication(entry)
        ):
            found.append((Event.REPLIED, parent.author))
    elif entry.to_status == Status.REJECTED and not settings.DSA_EMAIL_AUTHORS:
        found.append((Event.REJECTED, comment.author))
    return found


def _language_if_reachable(user: User | None) -> str | None:
    """The language to write to ``user`` in, None when they get no mails (no active
    account with an address, mails turned off, profile deleted)."""
    if user is None or not user.is_active or not user.email:
        return None
    profile = reader_profile_find(user=user)
    if profile is None:
        return settings.LANGUAGE_CODE
    if not profile.author_notifications or profile.deleted_at is not None:
        return None
    return profile.language or settings.LANGUAGE_CODE


def reason_label(entry: AuditEntry) -> str:
    """The rule a rejection gives, in the current language; the model's own
    rejections name no rule of the list."""
    if entry.reason in RejectReason.values:
        return str(RejectReason(entry.reason).label)
    return translation.gettext("our automatic check found it likely to break the discussion rules")


def _message(notification: AuthorNotification, entry: AuditEntry, language: str) -> EmailMessage:
    recipient = notification.recipient
    comment = notification.comment
    unsubscribe = unsubscribe_url(user=recipient)
    with translation.override(language):
        context: dict[str, Any] = {
            "comment": comment,
            "article": comment.article,
            "article_url": absolute(article_link(slug=comment.article.slug, url=comment.article.url)),
            "reason": reason_label(entry) if notification.event == Event.REJECTED else "",
            "netiquette_url": absolute(settings.NETIQUETTE_URL),
            "unsubscribe_url": unsubscribe,
        }
        text = render_to_string(f"moderation/notifications/email/{notification.event}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return EmailMessage(
        subject=subject.strip(),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _send(notification: AuthorNotification, entry: AuditEntry, language: str) -> bool:
    """Claim, send, and release the claim if sending failed; True when sent now."""
    claim = AuthorNotification.objects.filter(pk=notification.pk, sent_at__isnull=True)
    if claim.update(sent_at=timezone.now()) != 1:
        return False  # sent already, or another worker is sending it
    try:
        _message(notification, entry, language).send()
    except Exception:
        logger.exception("could not send the %s mail of entry %s", notification.event, entry.pk)
        claim.model.objects.filter(pk=notification.pk).update(sent_at=None)
        raise MailNotSent from None
    return True


def author_notify(*, entry_id: int) -> int:
    """Send the mails the audit entry makes (see the module's docstring); returns how
    many went out now. Idempotent; raises MailNotSent when one could not be sent
    (those sent stay sent)."""
    if not notifications_on():
        return 0
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return 0
    comment = (
        Comment.objects.select_related("article", "author", "parent__author")
        .filter(pk=entry.comment_id)
        .first()
    )
    if comment is None:
        return 0
    sent, failed = 0, False
    for event, recipient in _notifications_of(entry, comment):
        language = _language_if_reachable(recipient)
        if recipient is None or language is None:
            continue
        try:
            with transaction.atomic():
                notification, _ = AuthorNotification.objects.get_or_create(
                    entry=entry, event=event, defaults={"recipient": recipient, "comment": comment}
                )
        except IntegrityError:  # another worker made it at this moment
            notification = AuthorNotification.objects.get(entry=entry, event=event)
        notification.recipient, notification.comment = recipient, comment
        try:
            sent += _send(notification, entry, language)
        except MailNotSent:
            failed = True
    if failed:
        raise MailNotSent
    return sent
