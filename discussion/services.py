"""Writes to the discussion: comments and their status, edits, reactions, reports, readers."""

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_otp import verify_token
from rest_framework.authtoken.models import Token

from articles.models import Article
from articles.selectors import article_comments_open
from discussion.dispatch import comment_request_scoring
from discussion.models import (
    Comment,
    CommentRevision,
    Reaction,
    ReaderProfile,
    Report,
    TokenSecondFactor,
    UsernameKey,
)
from discussion.names import (
    display_name_key,
    display_name_skeleton,
    hidden_character,
    mixes_lookalike_scripts,
)
from discussion.selectors import (
    MAX_ID,
    comment_editable_until,
    comment_get_own,
    comment_get_published,
    reader_profile_find,
    user_authenticators,
)
from discussion.signals import comment_reported, comment_status_changed
from web.errors import Conflict, Forbidden, InvalidInput, NotFound

Status = Comment.Status

_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Replies deeper than this are refused: the depth column is a small integer, and no
# conversation needs a thousand levels.
MAX_REPLY_DEPTH = 1000
REPORT_NOTE_MAX_LENGTH = 500
DISPLAY_NAME_MAX_LENGTH = 50
AUTHOR = "author"


def text_clean(raw: str, *, field: str, max_length: int, what: str) -> str:
    """Text as stored: NFC-normalised, trimmed, at most ``max_length`` characters,
    no control characters except newline, carriage return and tab. May be empty."""
    text = unicodedata.normalize("NFC", raw).strip()
    if len(text) > max_length:
        raise InvalidInput(
            f"{what} may have at most {max_length} characters; this one has {len(text)}.", field=field
        )
    if _FORBIDDEN_CONTROL.search(text):
        raise InvalidInput("The text contains control characters.", field=field)
    return text


def comment_clean_body(raw: str) -> str:
    """The body as stored: see text_clean; 1 to COMMENT_MAX_LENGTH characters."""
    body = text_clean(raw, field="body", max_length=settings.COMMENT_MAX_LENGTH, what="A comment")
    if not body:
        raise InvalidInput("A comment needs some text.", field="body")
    return body


# --- Readers --------------------------------------------------------------


def reader_profile_get_or_create(*, user: AbstractBaseUser) -> ReaderProfile:
    profile, _ = ReaderProfile.objects.get_or_create(user=user)
    return profile


def reader_ensure_may_write(*, user: AbstractBaseUser, now: datetime | None = None) -> None:
    """Raise Forbidden, with the reason and the end date, if the reader is banned or
    suspended. One query."""
    profile = reader_profile_find(user=user)
    if profile is None:
        return
    if profile.banned:
        raise Forbidden(
            "Your account may no longer write in the discussion.",
            code="banned",
            extra={"reason": profile.ban_reason, "until": None},
        )
    if profile.suspended_until is not None and (now or timezone.now()) < profile.suspended_until:
        until = timezone.localtime(profile.suspended_until)
        raise Forbidden(
            f"Your account is suspended until {until:%Y-%m-%d %H:%M %Z}.",
            code="suspended",
            extra={"reason": profile.suspension_reason, "until": until.isoformat()},
        )


def reader_suspend(*, user: AbstractBaseUser, until: datetime, reason: str) -> ReaderProfile:
    """Suspend a reader from writing until ``until``; replaces an earlier suspension."""
    if until <= timezone.now():
        raise InvalidInput("A suspension must end in the future.", field="until")
    profile = reader_profile_get_or_create(user=user)
    profile.suspended_until = until
    profile.suspension_reason = reason
    profile.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
    return profile


def reader_ban(*, user: AbstractBaseUser, reason: str) -> ReaderProfile:
    """Stop a reader from writing for good (until lifted)."""
    profile = reader_profile_get_or_create(user=user)
    profile.banned = True
    profile.ban_reason = reason
    profile.save(update_fields=["banned", "ban_reason", "updated_at"])
    return profile


def reader_lift_restrictions(*, user: AbstractBaseUser) -> ReaderProfile:
    """End a ban and a suspension; idempotent."""
    profile = reader_profile_get_or_create(user=user)
    profile.banned = False
    profile.ban_reason = ""
    profile.suspended_until = None
    profile.suspension_reason = ""
    profile.save(update_fields=["banned", "ban_reason", "suspended_until", "suspension_reason", "updated_at"])
    return profile


def reader_set_premoderated(*, user: AbstractBaseUser, premoderated: bool) -> ReaderProfile:
    """Make every comment of this reader wait for a human (or stop doing so)."""
    profile = reader_profile_get_or_create(user=user)
    profile.always_premoderated = premoderated
    profile.save(update_fields=["always_premoderated", "updated_at"])
    return profile


def reports_resolve(*, comment_id: int, revision: int) -> int:
    """Mark the open reports of a comment up to this revision as dealt with; returns
    how many. Reports of earlier texts count: the moderator saw them beside this one."""
    return Report.objects.filter(
        comment_id=comment_id, comment_revision__lte=revision, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


# --- Comments -------------------------------------------------------------


def _parent_for_reply(*, article: Article, parent_id: int) -> Comment:
    parent = (
        Comment.objects.filter(pk=parent_id, article=article, status=Status.PUBLISHED).first()
        if 0 < parent_id <= MAX_ID
        else None
    )
    if parent is None:
        raise InvalidInput(
            "The comment replied to does not exist in this article's discussion.", field="parent"
        )
    if parent.depth >= MAX_REPLY_DEPTH:
        raise InvalidInput(
            f"Replies cannot nest deeper than {MAX_REPLY_DEPTH} levels; reply further up.", field="parent"
        )
    return parent


def _ensure_open(article: Article) -> None:
    if not article_comments_open(article=article):
        raise Forbidden("Comments are closed for this article.", code="comments_closed")


def comment_create(
    *, article: Article, author: AbstractBaseUser, body: str, parent_id: int | None = None
) -> Comment:
    """Store a new comment as pending and, once committed, hand it to moderation.

    The article must take comments, the author may not be banned or suspended, and
    the parent must be a published comment of the same article.
    """
    reader_ensure_may_write(user=author)
    _ensure_open(article)
    body = comment_clean_body(body)
    parent = _parent_for_reply(article=article, parent_id=parent_id) if parent_id is not None else None
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article,
            author=author,
            parent=parent,
            root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            body=body,
        )
        comment_request_scoring(comment_id=comment.pk)
    return comment


def comment_change_status(
    *,
    comment_id: int,
    from_statuses: Iterable[str],
    to_status: str,
    revision: int | None = None,
    score: float | None = None,
    body: str | None = None,
) -> Comment | None:
    """Move a comment to ``to_status`` if it is still in one of ``from_statuses``
    (and still at ``revision``, when given). Returns the comment as it was before
    the change, or None if nothing changed because someone else got there first.

    With ``body``, the text is replaced in the same UPDATE: the revision goes up by
    one, the old score is cleared and edited_at set.

    The conditional UPDATE is the claim: of two concurrent callers exactly one
    changes the row. Keeps the article's published-comment count in step. Must be
    called inside a transaction, which the caller uses to write the audit entry.
    """
    from_statuses = list(from_statuses)
    claim = Comment.objects.filter(pk=comment_id, status__in=from_statuses)
    if revision is not None:
        claim = claim.filter(revision=revision)
    before = claim.first()
    if before is None:
        return None
    now = timezone.now()
    changes: dict[str, object] = {"status": to_status, "status_changed_at": now}
    if score is not None:
        changes["score"] = score
    if body is not None:
        changes.update(body=body, revision=F("revision") + 1, score=None, edited_at=now)
    if claim.filter(status=before.status, revision=before.revision).update(**changes) != 1:
        return None
    published = Status.PUBLISHED
    if (before.status == published) != (to_status == published):
        delta = 1 if to_status == published else -1
        Article.objects.filter(pk=before.article_id).update(comment_count=F("comment_count") + delta)
    return before


def comment_score_set(*, comment_id: int, revision: int, score: float) -> Comment | None:
    """Store the score of a held comment's revision that has none yet (edited while
    held), leaving its status alone. Returns the comment as it was before, or None
    if it has a score, another revision or another status by now. The conditional
    UPDATE is the claim, as in comment_change_status; call it inside the
    transaction that writes the audit entry."""
    claim = Comment.objects.filter(pk=comment_id, status=Status.HELD, revision=revision, score__isnull=True)
    before = claim.first()
    if before is None or claim.update(score=score) != 1:
        return None
    return before


def comment_edit(
    *, comment_id: int, user: AbstractBaseUser, body: str, now: datetime | None = None
) -> Comment:
    """Replace the text of the user's own comment within the edit window.

    The comment is scored again at the next revision. A held one stays held: it
    waits for a moderator, whatever the new score, so that an edit cannot take it
    out of a queue. Any other goes back to pending; a published one leaves the
    thread until it is scored. The old text is kept as a CommentRevision; reactions
    and reports stay, open reports open. The change is announced with
    comment_status_changed in the same transaction (moderation audits it).
    """
    now = now or timezone.now()
    reader_ensure_may_write(user=user, now=now)
    comment = comment_get_own(comment_id=comment_id, user=user)
    if comment.status == Status.REMOVED:
        raise Conflict("This comment was deleted and can no longer be edited.", code="comment_removed")
    if comment.status == Status.REJECTED:
        raise Conflict("A rejected comment cannot be edited.", code="comment_rejected")
    _ensure_open(comment.article)
    editable_until = comment_editable_until(comment=comment)
    if editable_until is None:
        raise Forbidden("Comments cannot be edited on this site.", code="editing_disabled")
    if now >= editable_until:
        minutes = settings.COMMENT_EDIT_WINDOW_SECONDS // 60
        raise Forbidden(
            f"The edit window closed at {timezone.localtime(editable_until):%Y-%m-%d %H:%M %Z}; "
            f"comments can be edited for {minutes} minutes after posting.",
            code="edit_window_closed",
        )
    body = comment_clean_body(body)
    to_status = Status.HELD if comment.status == Status.HELD else Status.PENDING
    with transaction.atomic():
        before = comment_change_status(
            comment_id=comment.pk,
            from_statuses=[comment.status],
            to_status=to_status,
            revision=comment.revision,
            body=body,
        )
        if before is None:
            raise Conflict(
                "The comment changed in the meantime; load it and try again.", code="edit_conflict"
            )
        CommentRevision.objects.create(
            comment_id=comment.pk,
            revision=before.revision,
            body=before.body,
            created_at=before.edited_at or before.created_at,
        )
        comment_status_changed.send(
            sender=Comment,
            comment_id=comment.pk,
            revision=before.revision + 1,
            from_status=before.status,
            to_status=to_status,
            actor=AUTHOR,
            reason="edited by its author",
        )
        comment_request_scoring(comment_id=comment.pk)
    return Comment.objects.select_related("article", "author__reader_profile").get(pk=comment.pk)


def comment_delete(*, comment_id: int, user: AbstractBaseUser) -> None:
    """Remove the user's own comment (soft: the row stays, status removed).

    Its replies stay; the thread shows a placeholder in its place while it has
    published replies. Announced with comment_status_changed in the transaction.
    """
    reader_ensure_may_write(user=user)
    comment = comment_get_own(comment_id=comment_id, user=user)
    waiting_or_shown = [Status.PENDING, Status.PUBLISHED, Status.HELD, Status.REJECTED]
    with transaction.atomic():
        before = comment_change_status(
            comment_id=comment.pk, from_statuses=waiting_or_shown, to_status=Status.REMOVED
        )
        if before is None:
            raise NotFound("No such comment.")
        comment_status_changed.send(
            sender=Comment,
            comment_id=comment.pk,
            revision=before.revision,
            from_status=before.status,
            to_status=Status.REMOVED,
            actor=AUTHOR,
            reason="deleted by its author",
        )


# --- Reactions ------------------------------------------------------------


def _like_count(comment_id: int) -> int:
    return Comment.objects.filter(pk=comment_id).values_list("like_count", flat=True).get()


def reaction_add(*, comment_id: int, user: AbstractBaseUser) -> int:
    """Like a published comment; idempotent. Returns the comment's like count.

    The unique constraint makes the like and the count's increment happen at most
    once per reader, even for two concurrent requests.
    """
    reader_ensure_may_write(user=user)
    comment = comment_get_published(comment_id=comment_id)
    if comment.author_id == user.pk:
        raise Forbidden("You cannot like your own comment.", code="own_comment")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Reaction.objects.create(comment_id=comment.pk, user=user)
        except IntegrityError:
            pass  # liked before: nothing to do
        else:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
        return _like_count(comment.pk)


def reaction_remove(*, comment_id: int, user: AbstractBaseUser) -> int:
    """Take back a like; idempotent. Returns the comment's like count."""
    reader_ensure_may_write(user=user)
    comment = comment_get_published(comment_id=comment_id)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(comment_id=comment.pk, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") - 1)
        return _like_count(comment.pk)


# --- Reports --------------------------------------------------------------


def report_create(*, comment_id: int, reporter: AbstractBaseUser, reason: str, note: str = "") -> Report:
    """Store a reader's report of the current revision of a published comment; one
    per reader and revision (a second is a Conflict; after an edit the reader may
    report the new text). Counts it on the comment and sends comment_reported in
    the same transaction, for moderation to act on."""
    reader_ensure_may_write(user=reporter)
    if reason not in Report.Reason.values:
        raise InvalidInput(f"Give one of the reasons {', '.join(Report.Reason.values)}.", field="reason")
    note = text_clean(note, field="note", max_length=REPORT_NOTE_MAX_LENGTH, what="A note")
    comment = comment_get_published(comment_id=comment_id)
    if comment.author_id == reporter.pk:
        raise Forbidden("You cannot report your own comment.", code="own_comment")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    comment_id=comment.pk,
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    comment_revision=comment.revision,
                )
        except IntegrityError:
            raise Conflict("You have already reported this comment.", code="already_reported") from None
        Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
        report_count = Comment.objects.filter(pk=comment.pk).values_list("report_count", flat=True).get()
        comment_reported.send(
            sender=Report,
            report_id=report.pk,
            comment_id=comment.pk,
            reason=reason,
            report_count=report_count,
        )
    return report


# --- Accounts -------------------------------------------------------------


# One answer for a name taken, reserved or made of look-alike letters: which of them
# it is would tell a prober which accounts exist (staff names among them), as the
# settings may reserve the names of staff accounts.
NAME_UNAVAILABLE = "This name is not available."
USERNAME_UNAVAILABLE = "This username is not available."


def _name_reserved(name: str) -> bool:
    skeleton = display_name_skeleton(name)
    return bool(skeleton) and skeleton in {display_name_skeleton(n) for n in settings.RESERVED_DISPLAY_NAMES}


def _name_visible(name: str, *, field: str, what: str) -> None:
    hidden = hidden_character(name)
    if hidden is not None:
        raise InvalidInput(
            f"{what} may not contain invisible or text-direction characters; this one has {hidden}.",
            field=field,
        )


def display_name_clean(raw: str) -> str:
    """The display name as stored (see text_clean; up to DISPLAY_NAME_MAX_LENGTH
    characters, may be empty), or InvalidInput naming ``display_name`` when it holds
    characters a reader cannot see (names.hidden_character) or nothing visible.
    Looks at the name alone; whether it is free is display_name_ensure_available."""
    name = text_clean(raw, field="display_name", max_length=DISPLAY_NAME_MAX_LENGTH, what="A display name")
    if not name:
        return name
    _name_visible(name, field="display_name", what="A display name")
    if display_name_key(name) is None:
        raise InvalidInput("A display name needs visible characters.", field="display_name")
    return name


def display_name_ensure_available(name: str, *, user: AbstractBaseUser | None = None) -> None:
    """InvalidInput naming ``display_name`` (NAME_UNAVAILABLE) when the cleaned name
    mixes look-alike scripts, is reserved (RESERVED_DISPLAY_NAMES; staff may take
    those) or looks like another account's name: its display name or its username,
    which is shown where a reader has no display name. "" is always available."""
    if not name:
        return
    if (
        mixes_lookalike_scripts(name)
        or (_name_reserved(name) and not getattr(user, "is_staff", False))
        or _name_taken(display_name_key(name), user=user)
    ):
        raise InvalidInput(NAME_UNAVAILABLE, field="display_name")


def _name_taken(key: str | None, *, user: AbstractBaseUser | None) -> bool:
    """Whether another account shows a name with this key, as its display name or
    as its username (two indexed lookups). The unique constraint on display names
    holds against races; see display_name_set."""
    if key is None:
        return False
    own = getattr(user, "pk", None)
    return (
        ReaderProfile.objects.filter(display_name_key=key).exclude(user_id=own).exists()
        or UsernameKey.objects.filter(key=key).exclude(user_id=own).exists()
    )


def username_key_refresh(*, user: AbstractBaseUser) -> None:
    """Store the key of the account's username (UsernameKey); called on every save
    of an account that may have changed the username. Idempotent."""
    key = display_name_key(user.get_username()) or ""
    UsernameKey.objects.update_or_create(user_id=user.pk, defaults={"key": key})


def display_name_set(*, user: AbstractBaseUser, display_name: str) -> ReaderProfile:
    """Change the reader's display name ("" for none, then the username is shown).
    Banned and suspended readers may not (Forbidden). A reader may restate their own
    name, in any case or width. Of two readers taking the same name at once one gets
    it, the other InvalidInput naming ``display_name``."""
    reader_ensure_may_write(user=user)
    name = display_name_clean(display_name)
    display_name_ensure_available(name, user=user)
    profile = reader_profile_get_or_create(user=user)
    profile.display_name = name
    try:
        with transaction.atomic():
            profile.save(update_fields=["display_name", "updated_at"])
    except IntegrityError:
        raise InvalidInput(NAME_UNAVAILABLE, field="display_name") from None
    return profile


def user_register(
    *, username: str, password: str, email: str = "", display_name: str = ""
) -> tuple[AbstractBaseUser, str]:
    """Create a reader account; returns the user and an API token.

    All of the input is checked on its own first (username format, display name,
    the password validators), and only then against the existing accounts, so that
    nobody learns which names exist without sending a password good enough to
    register. The username (NFKC-normalised) must not mix look-alike scripts, be
    reserved or share its key with another account's username or display name; all
    three answer USERNAME_UNAVAILABLE alike. The display name as
    display_name_ensure_available says. Of two concurrent registrations of the same
    username or display name one succeeds, the other is InvalidInput naming the field."""
    user_model = get_user_model()
    username = user_model.normalize_username(username)  # NFKC, as Django's own forms do
    user = user_model(username=username, email=email)
    _name_visible(username, field="username", what="A username")
    try:
        user_model.username_validator(username)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from None
    display_name = display_name_clean(display_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    if (
        mixes_lookalike_scripts(username)
        or _name_reserved(username)
        or _name_taken(display_name_key(username), user=None)
    ):
        raise InvalidInput(USERNAME_UNAVAILABLE, field="username")
    display_name_ensure_available(display_name)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()  # its UsernameKey is stored by the receiver, in this transaction
            token = Token.objects.create(user=user)
            # Every reader has a profile from the start, where moderators find them.
            ReaderProfile.objects.create(user=user, display_name=display_name)
    except IntegrityError:  # registered concurrently under the same username or display name
        key = display_name_key(display_name)
        if key is not None and ReaderProfile.objects.filter(display_name_key=key).exists():
            raise InvalidInput(NAME_UNAVAILABLE, field="display_name") from None
        raise InvalidInput(USERNAME_UNAVAILABLE, field="username") from None
    return user, token.key


class SecondFactorRefused(InvalidInput):
    """The code given is not the current one of any of the account's authenticator apps."""


OTP_MISSING = (
    "This account signs in with a second factor: give the current code of its authenticator app as otp."
)
OTP_WRONG = "That code is not right (or no longer valid). Try the current one in a few seconds."
AUTHENTICATOR_NEEDED = (
    "Staff accounts need an authenticator app for an API token. Have an administrator set "
    "one up with `manage.py totp_enroll <username>`, then sign in with its current code as otp."
)


def user_token_issue(*, user: AbstractBaseUser, otp: str = "") -> str:
    """The API token of an account whose password has been checked; returns its key.

    An account with an authenticator app must give its current code (InvalidInput
    naming otp if missing, SecondFactorRefused if wrong, which the caller counts as
    a failed login). Its token is then recorded as got with the second factor; one
    it had from before without it is replaced, as it may be in other hands. Where
    OTP_REQUIRED_FOR_STAFF is on, staff without an authenticator get none
    (Forbidden). Everyone else gets the account's one token, as before."""
    devices = list(user_authenticators(user=user))
    if not devices:
        if settings.OTP_REQUIRED_FOR_STAFF and (user.is_staff or user.is_superuser):
            raise Forbidden(AUTHENTICATOR_NEEDED, code="second_factor_needed")
        token, _ = Token.objects.get_or_create(user=user)
        return token.key
    if not otp:
        raise InvalidInput(OTP_MISSING, field="otp")
    # django-otp's verify_token locks the device, so that a code is accepted once, and
    # keeps its throttling state (it commits the failure count itself).
    device = next(filter(None, (verify_token(user, each.persistent_id, otp) for each in devices)), None)
    if device is None:
        raise SecondFactorRefused(OTP_WRONG, field="otp")
    with transaction.atomic():
        token, _ = Token.objects.get_or_create(user=user)
        if not TokenSecondFactor.objects.filter(token=token).exists():
            token.delete()
            token = Token.objects.create(user=user)
        TokenSecondFactor.objects.update_or_create(
            token=token, defaults={"device": device, "verified_at": timezone.now()}
        )
    return token.key


def user_tokens_revoke(*, user: AbstractBaseUser) -> int:
    """Delete the reader's API token, so that it no longer authenticates anyone
    (401 from then on); a new sign-in issues a new one. Idempotent; returns how many
    tokens were deleted (DRF keeps one per account, so every client that uses it is
    signed out)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
