"""The readers' accounts beyond Django's user: profile and restrictions, the key of
the username, the second factor of an API token, and the sign-in with the
publisher's accounts (SSO: its secrets, the linked accounts, the tokens used).

The first tables were created by the discussion app and keep their names."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.names import display_name_key


class ReaderProfile(models.Model):
    """What the discussion knows about a reader beyond the account; created on demand."""

    class ConsentSource(models.TextChoices):
        REGISTRATION = "registration", _("registration form")
        SSO = "sso", _("the publisher's sign-in and its terms")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reader_profile",
        verbose_name=_("user"),
    )
    display_name = models.CharField(max_length=50, blank=True, verbose_name=_("display name"))
    # display_name_key(display_name), kept by save(): the unique constraint holds on
    # it, so that no two readers show names that look the same. NULL, not "", for no
    # name: NULLs never collide, on SQLite and PostgreSQL alike.
    display_name_key = models.TextField(  # noqa: DJ001
        null=True, blank=True, editable=False, verbose_name=_("display name key")
    )
    suspended_until = models.DateTimeField(null=True, blank=True, verbose_name=_("suspended until"))
    suspension_reason = models.CharField(max_length=255, blank=True, verbose_name=_("suspension reason"))
    banned = models.BooleanField(default=False, verbose_name=_("banned"))
    ban_reason = models.CharField(max_length=255, blank=True, verbose_name=_("ban reason"))
    # Every comment of this reader waits for a human, whatever its score.
    always_premoderated = models.BooleanField(default=False, verbose_name=_("always premoderated"))
    # When the reader deleted their account (GDPR Art. 17). The account stays, under
    # a pseudonym and without anything that names the reader, because the audit log
    # refers to it; this marks it as deleted.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))
    # The reader's agreement to the discussion rules and the privacy notice: when,
    # how (the registration form, or the publisher's terms for accounts made by its
    # sign-in) and the addresses of the texts as they were then. Empty for accounts
    # made before consent was asked for, and for staff made in the admin.
    consented_at = models.DateTimeField(null=True, blank=True, verbose_name=_("consented at"))
    consent_source = models.CharField(
        max_length=16, choices=ConsentSource.choices, blank=True, verbose_name=_("consent given through")
    )
    consent_netiquette_url = models.CharField(
        max_length=500, blank=True, verbose_name=_("discussion rules agreed to")
    )
    consent_privacy_url = models.CharField(
        max_length=500, blank=True, verbose_name=_("privacy notice agreed to")
    )
    # The language the reader uses the site in (the request's at registration, or
    # chosen later), for the mails they get; "" for the site's default.
    language = models.CharField(
        max_length=8, blank=True, choices=settings.LANGUAGES, verbose_name=_("language")
    )
    # Mails about the reader's own comments (published, rejected, replied to), where
    # the site sends them; the reader may turn them off (a link in every such mail).
    author_notifications = models.BooleanField(
        default=True, verbose_name=_("notifications about my comments")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("reader")
        verbose_name_plural = _("readers")
        db_table = "discussion_readerprofile"
        constraints = [models.UniqueConstraint(fields=["display_name_key"], name="unique_display_name")]

    def __str__(self) -> str:
        return self.display_name or str(self.user)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.display_name_key = display_name_key(self.display_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "display_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "display_name_key"}
        super().save(*args, **kwargs)


class UsernameKey(models.Model):
    """display_name_key of an account's username, kept by a receiver on every save of
    the account (every account, staff too, with or without a reader profile). Display
    names and usernames must not look alike either way, and the username column
    cannot be looked up by the key: case folding and NFKC are not SQL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="username_key",
        verbose_name=_("user"),
    )
    key = models.TextField(db_index=True, verbose_name=_("key"))

    class Meta:
        verbose_name = _("username key")
        verbose_name_plural = _("username keys")
        db_table = "discussion_usernamekey"

    def __str__(self) -> str:
        return self.key


class TokenSecondFactor(models.Model):
    """An API token got with the current code of the account's authenticator app as
    well as the password. Only such a token counts as signed in with the second
    factor (the moderation API asks for it). It goes with the token (signing out) and
    with the device (a new one enrolled after a lost phone)."""

    token = models.OneToOneField(
        Token,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="second_factor",
        verbose_name=_("token"),
    )
    device = models.ForeignKey(
        TOTPDevice, on_delete=models.CASCADE, related_name="+", verbose_name=_("device")
    )
    verified_at = models.DateTimeField(default=timezone.now, verbose_name=_("verified at"))

    class Meta:
        verbose_name = _("token's second factor")
        verbose_name_plural = _("tokens' second factors")
        db_table = "discussion_tokensecondfactor"

    def __str__(self) -> str:
        return f"Token of user {self.token.user_id}, verified by {self.device}"


# --- Sign-in with the publisher's accounts (SSO) ----------------------------


class SsoSecret(models.Model):
    """A secret the publisher signs its readers' tokens with (HS256). Several may be
    active at once while the publisher rotates them; a token's ``kid`` header picks
    one, a token without picks none and every active one is tried. The secret is
    kept as it is (HMAC needs it), shown in full once, when it is made."""

    kid = models.SlugField(
        _("key id"),
        max_length=64,
        unique=True,
        help_text=_("The kid the publisher puts in the token's header to pick this secret."),
    )
    secret = models.CharField(_("secret"), max_length=128, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("From then on, tokens signed with it are refused.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in secret")
        verbose_name_plural = _("sign-in secrets")

    def __str__(self) -> str:
        return self.kid


class SsoIdentity(models.Model):
    """The publisher's account (its ``user.id``) a reader's account belongs to, and
    what the publisher's last token said about it. Made at the first sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sso_identity",
        verbose_name=_("account"),
    )
    subject = models.CharField(_("publisher's user id"), max_length=255, unique=True)
    # Lowercased, as Coral stores it; one publisher account per address.
    email = models.EmailField(_("email"), max_length=254, unique=True)
    # The user.username of the last token applied: the display name follows it.
    username = models.CharField(_("publisher's username"), max_length=255)
    role = models.CharField(_("role"), max_length=16, blank=True)
    badges = models.JSONField(_("badges"), default=list, blank=True)
    # The iat of the last token applied: an older token changes nothing.
    last_issued_at = models.DateTimeField(_("last token issued"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("publisher account")
        verbose_name_plural = _("publisher accounts")

    def __str__(self) -> str:
        return self.subject


class SsoTokenUse(models.Model):
    """A token (by its ``jti``) that signed someone in. A jti signs in once: the
    unique key refuses it a second time, and signing out marks it revoked. Rows
    are kept until the token expires, then deleted."""

    jti = models.CharField(max_length=255, unique=True, verbose_name=_("jti"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    used_at = models.DateTimeField(default=timezone.now, verbose_name=_("used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("used sign-in token")
        verbose_name_plural = _("used sign-in tokens")
        indexes = [models.Index(fields=["user", "revoked_at"], name="sso_token_user_idx")]

    def __str__(self) -> str:
        return self.jti
