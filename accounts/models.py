"""The readers' accounts beyond Django's user: profile and restrictions, the key of
the username, and the second factor of an API token.

The tables were created by the discussion app and keep their names."""

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
