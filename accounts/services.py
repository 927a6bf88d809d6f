"""Writes to the accounts: registration, API tokens and their second factor, display
names, the restrictions moderators put on readers, and deleting an account."""

import secrets
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.debug import sensitive_variables
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import ReaderProfile, SsoIdentity, SsoTokenUse, TokenSecondFactor, UsernameKey
from accounts.names import (
    display_name_key,
    display_name_skeleton,
    hidden_character,
    mixes_lookalike_scripts,
)
from accounts.selectors import PUBLISHERS, user_authenticators, writing_standing
from web.errors import Forbidden, InvalidInput
from web.text import has_control_characters

DISPLAY_NAME_MAX_LENGTH = 50


def text_clean(raw: str, *, field: str, max_length: int) -> str:
    """Text as stored, for all that readers write (display names; comments and report
    notes in the discussion): NFC-normalised, trimmed, at most ``max_length``
    characters, no control characters except newline, carriage return and tab. May
    be empty."""
    text = unicodedata.normalize("NFC", raw).strip()
    if len(text) > max_length:
        raise InvalidInput(
            gettext("At most %(limit)d characters are allowed; this text has %(length)d.")
            % {"limit": max_length, "length": len(text)},
            field=field,
        )
    if has_control_characters(text):
        raise InvalidInput(gettext("The text contains control characters."), field=field)
    return text


# --- Readers --------------------------------------------------------------


def reader_profile_get_or_create(*, user: User) -> ReaderProfile:
    profile, _ = ReaderProfile.objects.get_or_create(user=user)
    return profile


def reader_ensure_may_write(*, user: User, now: datetime | None = None) -> None:
    """Raise Forbidden, with the reason and the end date, if the reader is banned or
    suspended, and for the newsroom system's accounts (the Publishers group: they
    manage articles; comments, reactions and reports come from readers). One query."""
    standing = writing_standing(user=user)
    if standing is None:
        return
    if standing["publisher"]:
        raise Forbidden(
            gettext(
                "This account is the newsroom system's (Publishers group): it manages articles "
                "and does not write in the discussion."
            ),
            code="not_a_reader",
        )
    if standing["banned"]:
        raise Forbidden(
            gettext("Your account may no longer write in the discussion."),
            code="banned",
            extra={"reason": standing["ban_reason"], "until": None},
        )
    suspended_until = standing["suspended_until"]
    if suspended_until is not None and (now or timezone.now()) < suspended_until:
        until = timezone.localtime(suspended_until)
        raise Forbidden(
            gettext("Your account is suspended until %(until)s.")
            % {"until": date_format(until, "DATETIME_FORMAT")},
            code="suspended",
            extra={"reason": standing["suspension_reason"], "until": until.isoformat()},
        )


def reader_suspend(*, user: User, until: datetime, reason: str) -> ReaderProfile:
    """Suspend a reader from writing until ``until``; replaces an earlier suspension."""
    if until <= timezone.now():
        raise InvalidInput(gettext("A suspension must end in the future."), field="until")
    profile = reader_profile_get_or_create(user=user)
    profile.suspended_until = until
    profile.suspension_reason = reason
    profile.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
    return profile


def reader_ban(*, user: User, reason: str) -> ReaderProfile:
    """Stop a reader from writing for good (until lifted)."""
    profile = reader_profile_get_or_create(user=user)
    profile.banned = True
    profile.ban_reason = reason
    profile.save(update_fields=["banned", "ban_reason", "updated_at"])
    return profile


def reader_lift_restrictions(*, user: User) -> ReaderProfile:
    """End a ban and a suspension; idempotent."""
    profile = reader_profile_get_or_create(user=user)
    profile.banned = False
    profile.ban_reason = ""
    profile.suspended_until = None
    profile.suspension_reason = ""
    profile.save(update_fields=["banned", "ban_reason", "suspended_until", "suspension_reason", "updated_at"])
    return profile


def reader_set_premoderated(*, user: User, premoderated: bool) -> ReaderProfile:
    """Make every comment of this reader wait for a human (or stop doing so)."""
    profile = reader_profile_get_or_create(user=user)
    profile.always_premoderated = premoderated
    profile.save(update_fields=["always_premoderated", "updated_at"])
    return profile


# --- Accounts -------------------------------------------------------------


# One answer for a name taken, reserved or made of look-alike letters: which of them
# it is would tell a prober which accounts exist (staff names among them), as the
# settings may reserve the names of staff accounts.
NAME_UNAVAILABLE = gettext_noop("This name is not available.")
USERNAME_UNAVAILABLE = gettext_noop("This username is not available.")


def name_reserved(name: str) -> bool:
    skeleton = display_name_skeleton(name)
    return bool(skeleton) and skeleton in {display_name_skeleton(n) for n in settings.RESERVED_DISPLAY_NAMES}


def _name_visible(name: str, *, field: str) -> None:
    hidden = hidden_character(name)
    if hidden is not None:
        raise InvalidInput(
            gettext("Invisible or text-direction characters are not allowed; this name has %(character)s.")
            % {"character": hidden},
            field=field,
        )


def display_name_clean(raw: str) -> str:
    """The display name as stored (see text_clean; up to DISPLAY_NAME_MAX_LENGTH
    characters, may be empty), or InvalidInput naming ``display_name`` when it holds
    characters a reader cannot see (names.hidden_character) or nothing visible.
    Looks at the name alone; whether it is free is display_name_ensure_available."""
    name = text_clean(raw, field="display_name", max_length=DISPLAY_NAME_MAX_LENGTH)
    if not name:
        return name
    _name_visible(name, field="display_name")
    if display_name_key(name) is None:
        raise InvalidInput(gettext("A display name needs visible characters."), field="display_name")
    return name


def display_name_ensure_available(name: str, *, user: User | None = None) -> None:
    """InvalidInput naming ``display_name`` (NAME_UNAVAILABLE) when the cleaned name
    mixes look-alike scripts, is reserved (RESERVED_DISPLAY_NAMES; staff may take
    those) or looks like another account's name: its display name or its username,
    which is shown where a reader has no display name. "" is always available."""
    if not name:
        return
    if (
        mixes_lookalike_scripts(name)
        or (name_reserved(name) and not getattr(user, "is_staff", False))
        or _name_taken(display_name_key(name), user=user)
    ):
        raise InvalidInput(gettext(NAME_UNAVAILABLE), field="display_name")


def _name_taken(key: str | None, *, user: User | None) -> bool:
    """Whether another account shows a name with this key, as its display name or
    as its username (two indexed lookups). The unique constraint on display names
    holds against races; see display_name_set."""
    if key is None:
        return False
    profiles = ReaderProfile.objects.filter(display_name_key=key)
    usernames = UsernameKey.objects.filter(key=key)
    if user is not None and user.pk is not None:
        profiles, usernames = profiles.exclude(user_id=user.pk), usernames.exclude(user_id=user.pk)
    return profiles.exists() or usernames.exists()


def username_key_refresh(*, user: User) -> None:
    """Store the key of the account's username (UsernameKey); called on every save
    of an account that may have changed the username. Idempotent."""
    key = display_name_key(user.get_username()) or ""
    UsernameKey.objects.update_or_create(user_id=user.pk, defaults={"key": key})


def display_name_set(*, user: User, display_name: str) -> ReaderProfile:
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
        raise InvalidInput(gettext(NAME_UNAVAILABLE), field="display_name") from None
    return profile


CONSENT_MISSING = gettext_noop("Agree to the discussion rules and the privacy notice to register.")


def reader_consent(*, source: str, now: datetime | None = None) -> dict[str, object]:
    """The ReaderProfile fields that record a reader's agreement, now, to the
    discussion rules and the privacy notice the settings name (NETIQUETTE_URL,
    PRIVACY_URL), given through ``source`` (ReaderProfile.ConsentSource)."""
    return {
        "consented_at": now or timezone.now(),
        "consent_source": source,
        "consent_netiquette_url": settings.NETIQUETTE_URL[:500],
        "consent_privacy_url": settings.PRIVACY_URL[:500],
    }


def reader_language(language: str) -> str:
    """The language as a profile keeps it: one of LANGUAGES (a regional variant such
    as de-at counts as its language), else "" for the site's default."""
    code = (language or "").lower().split("-")[0]
    return code if code in dict(settings.LANGUAGES) else ""


def reader_preferences_set(
    *, user: User, language: str | None = None, author_notifications: bool | None = None
) -> ReaderProfile:
    """Change what the reader chose for their mails: the language ("" for the
    site's, see reader_language; another is InvalidInput naming ``language``) and
    whether they get mails about their comments; None leaves a choice as it is.
    Open to banned and suspended readers too: it writes nothing anyone else reads."""
    if language and not reader_language(language):
        raise InvalidInput(
            gettext("Choose one of the languages %(languages)s, or none for the site's.")
            % {"languages": ", ".join(code for code, _ in settings.LANGUAGES)},
            field="language",
        )
    profile = reader_profile_get_or_create(user=user)
    changed = []
    if language is not None:
        profile.language = reader_language(language)
        changed.append("language")
    if author_notifications is not None:
        profile.author_notifications = author_notifications
        changed.append("author_notifications")
    if changed:
        profile.save(update_fields=[*changed, "updated_at"])
    return profile


def user_register(
    *,
    username: str,
    password: str,
    consent: bool,
    email: str = "",
    display_name: str = "",
    language: str = "",
) -> tuple[User, str]:
    """Create a reader account; returns the user and an API token.

    The reader must agree to the discussion rules and the privacy notice
    (``consent``; InvalidInput naming ``consent`` otherwise), which is recorded with
    the addresses of both texts (reader_consent). ``language`` is the one the reader
    registered in (kept for mails; see reader_language).

    All of the input is checked on its own first (username format, display name,
    the password validators), and only then against the existing accounts, so that
    nobody learns which names exist without sending a password good enough to
    register. The username (NFKC-normalised) must not mix look-alike scripts, be
    reserved or share its key with another account's username or display name; all
    three answer USERNAME_UNAVAILABLE alike. The display name as
    display_name_ensure_available says. Of two concurrent registrations of the same
    username or display name one succeeds, the other is InvalidInput naming the field."""
    if consent is not True:
        raise InvalidInput(gettext(CONSENT_MISSING), field="consent")
    user_model = get_user_model()
    username = user_model.normalize_username(username)  # NFKC, as Django's own forms do
    user = user_model(username=username, email=email)
    _name_visible(username, field="username")
    try:
        user_model.username_validator(username)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from None
    display_name = display_name_clean(display_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    if (
        mixes_lookalike_scripts(username)
        or name_reserved(username)
        or _name_taken(display_name_key(username), user=None)
    ):
        raise InvalidInput(gettext(USERNAME_UNAVAILABLE), field="username")
    display_name_ensure_available(display_name)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()  # its UsernameKey is stored by the receiver, in this transaction
            token = Token.objects.create(user=user)
            # Every reader has a profile from the start, where moderators find them.
            ReaderProfile.objects.create(
                user=user,
                display_name=display_name,
                language=reader_language(language),
                **reader_consent(source=ReaderProfile.ConsentSource.REGISTRATION),
            )
    except IntegrityError:  # registered concurrently under the same username or display name
        key = display_name_key(display_name)
        if key is not None and ReaderProfile.objects.filter(display_name_key=key).exists():
            raise InvalidInput(gettext(NAME_UNAVAILABLE), field="display_name") from None
        raise InvalidInput(gettext(USERNAME_UNAVAILABLE), field="username") from None
    return user, token.key


class SecondFactorRefused(InvalidInput):
    """The code given is not the current one of any of the account's authenticator apps."""


OTP_MISSING = gettext_noop(
    "This account signs in with a second factor: give the current code of its authenticator app as otp."
)
OTP_WRONG = gettext_noop("That code is not right (or no longer valid). Try the current one in a few seconds.")
AUTHENTICATOR_NEEDED = gettext_noop(
    "Staff accounts need an authenticator app for an API token. Have an administrator set "
    "one up with `manage.py totp_enroll <username>`, then sign in with its current code as otp."
)


def user_token_issue(*, user: User, otp: str = "") -> str:
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
            raise Forbidden(gettext(AUTHENTICATOR_NEEDED), code="second_factor_needed")
        token, _ = Token.objects.get_or_create(user=user)
        return str(token.key)
    if not otp:
        raise InvalidInput(gettext(OTP_MISSING), field="otp")
    # django-otp's verify_token locks the device, so that a code is accepted once, and
    # keeps its throttling state (it commits the failure count itself).
    device = next(filter(None, (verify_token(user, each.persistent_id, otp) for each in devices)), None)
    if device is None:
        raise SecondFactorRefused(gettext(OTP_WRONG), field="otp")
    with transaction.atomic():
        token, _ = Token.objects.get_or_create(user=user)
        if not TokenSecondFactor.objects.filter(token=token).exists():
            token.delete()
            token = Token.objects.create(user=user)
        TokenSecondFactor.objects.update_or_create(
            token=token, defaults={"device": device, "verified_at": timezone.now()}
        )
    return str(token.key)


# What the newsroom's system may do: create and change articles through the API.
PUBLISHER_PERMISSIONS = ["view_article", "add_article", "change_article"]


def publishers_group() -> Group:
    """The group of the newsroom's system accounts, with the article permissions; idempotent."""
    group, _ = Group.objects.get_or_create(name=PUBLISHERS)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename__in=PUBLISHER_PERMISSIONS)
    )
    return group


def publisher_token_issue(*, username: str) -> str:
    """A new API token for the newsroom's system (its CMS, say) under the account
    ``username``; returns its key. The account is made on first use: no password, not
    staff, in the Publishers group, so it may create and change articles through the
    API (PUT and PATCH /api/articles/{slug}/). The account's earlier token stops
    working. InvalidInput naming ``username`` for a name that is no valid username or
    that another account (a reader's, say) has or shows."""
    user_model = get_user_model()
    username = user_model.normalize_username(username)
    try:
        user_model.username_validator(username)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from None
    with transaction.atomic():
        group = publishers_group()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            if _name_taken(display_name_key(username), user=None):
                raise InvalidInput(gettext(USERNAME_UNAVAILABLE), field="username")
            user = user_model(username=username)
            user.set_unusable_password()
            user.save()
            user.groups.add(group)
        elif not user.groups.filter(pk=group.pk).exists():
            raise InvalidInput(
                gettext("%(username)s is an account that is not one of the Publishers group.")
                % {"username": username},
                field="username",
            )
        Token.objects.filter(user=user).delete()
        return str(Token.objects.create(user=user).key)


TOTP_CODE_WRONG = gettext_noop("That code is not right (or no longer valid). Try the current one.")


def staff_totp_enrol(*, user: User, replace: bool = False) -> TOTPDevice:
    """The authenticator app (TOTP device) being set up for a staff account, whose
    ``config_url`` the app scans. Forbidden for other accounts: the second factor
    is the admin's.

    By default the account sets it up itself: the one device awaiting confirmation
    (made on the first call, the same one on the next, so the code shown does not
    change), which counts once staff_totp_confirm took its code. With ``replace``
    an administrator hands a new one over (a lost phone): every device of the
    account is deleted, so their codes stop working, and the new one counts at once.
    """
    if not user.is_staff:
        raise Forbidden(gettext("Two-factor login is for staff accounts (the admin)."), code="not_staff")
    if not replace:
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "app"})
        return device
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def staff_totp_confirm(*, device: TOTPDevice, code: str) -> None:
    """Make a device set up by staff_totp_enrol count, given the code its app shows
    now; InvalidInput naming ``token`` (nothing changes) for any other code."""
    if not device.verify_token(code.strip()):
        raise InvalidInput(gettext(TOTP_CODE_WRONG), field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def user_tokens_revoke(*, user: User) -> int:
    """Delete the reader's API token, so that it no longer authenticates anyone
    (401 from then on); a new sign-in issues a new one. Idempotent; returns how many
    tokens were deleted (DRF keeps one per account, so every client that uses it is
    signed out). The publisher's tokens that signed the reader in (SSO) are revoked
    with it: the page cannot sign them in again with the same one."""
    SsoTokenUse.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


# --- Deleting an account ----------------------------------------------------

CONFIRMATION_MISSING = gettext_noop("Give your password to delete your account.")
CONFIRMATION_WRONG = gettext_noop("That is not your password.")
# The prefix of the username a deleted account is left with.
DELETED_PREFIX = "deleted-"


@sensitive_variables("password")
def user_password_confirm(*, user: User, password: str, request: HttpRequest) -> None:
    """Check that the signed-in reader knows the account's password before something
    that cannot be undone; InvalidInput naming ``password`` if it is missing or wrong.
    An account without a usable password (made in the admin without one) has none to
    give. The password is checked as a login is, through the login guard: a wrong
    one counts as a failed login from this address, and a locked-out account is
    refused whatever it gives (then ``request.axes_locked_out`` is set, for the view
    to answer 429 as the token endpoint does). So a stolen token cannot be used to
    guess the password, and nobody is locked out by rules other than the login's."""
    if not user.has_usable_password():
        return
    if not password:
        raise InvalidInput(gettext(CONFIRMATION_MISSING), field="password")
    signed_in = authenticate(request, username=user.get_username(), password=password)
    if signed_in is None or signed_in.pk != user.pk:
        raise InvalidInput(gettext(CONFIRMATION_WRONG), field="password")


def account_anonymize(*, user: User, now: datetime | None = None) -> None:
    """Turn a reader's account into a pseudonymous one that names nobody. The row
    stays, because audit entries refer to it.

    The username becomes DELETED_PREFIX and 16 random hex digits, so the old username
    (and its key: see UsernameKey) is free to be registered again; email and names
    are emptied, the password made unusable and the account inactive, so that
    nobody can sign in as it; the display name is cleared (free again too) and the
    profile marked deleted. The API token and any authenticator app go, as do the
    login guard's records of the old username (addresses, browsers), and the link to
    the publisher's account (SSO). Sessions end:
    a session is bound to the password's hash and an active account, and the
    account has neither any more. Call it inside the transaction of the whole
    deletion; a handful of queries."""
    now = now or timezone.now()
    old_username = user.get_username()
    user.username = f"{DELETED_PREFIX}{secrets.token_hex(8)}"
    user.email = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.last_login = None
    # The receiver stores the key of the new username, freeing the old one.
    user.save(
        update_fields=["username", "email", "first_name", "last_name", "password", "is_active", "last_login"]
    )
    profile = reader_profile_get_or_create(user=user)
    profile.display_name = ""
    profile.deleted_at = now
    profile.save(update_fields=["display_name", "deleted_at", "updated_at"])
    user_tokens_revoke(user=user)
    TOTPDevice.objects.filter(user=user).delete()
    # The link to the publisher's account names the reader (its id and email); the
    # next sign-in from there makes a new account.
    SsoIdentity.objects.filter(user=user).delete()
    for record in (AccessAttempt, AccessFailureLog, AccessLog):
        record.objects.filter(username=old_username).delete()


class AccountEraser(Protocol):
    def __call__(self, *, user: User, password: str, request: HttpRequest) -> None: ...


@lru_cache(maxsize=4)
def account_eraser(path: str) -> AccountEraser:
    """The function ACCOUNT_ERASER names, imported once per path. Raises ImportError
    when the path names nothing."""
    eraser: AccountEraser = import_string(path)
    return eraser


@sensitive_variables("password")
def account_erase(*, user: User, password: str, request: HttpRequest) -> None:
    """Delete the signed-in reader's account at their request (GDPR Art. 17): the
    function the setting ACCOUNT_ERASER names does it, called with these arguments.
    What happens to the reader's comments, likes and reports, and who may not
    delete their account this way, is decided above the accounts (in moderation,
    which keeps the audit log), so accounts reaches it only through the setting,
    as it imports nothing above itself. It confirms the password with
    user_password_confirm and leaves the account as account_anonymize does."""
    account_eraser(settings.ACCOUNT_ERASER)(user=user, password=password, request=request)
