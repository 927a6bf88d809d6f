"""Reads of the accounts: reader profiles and the second factor."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import ReaderProfile, SsoIdentity, TokenSecondFactor
from web.errors import NotFound

# The group of the newsroom's system accounts (its CMS, say): they manage articles.
PUBLISHERS = "Publishers"


def reader_profile_find(*, user: User) -> ReaderProfile | None:
    return ReaderProfile.objects.filter(user=user).first()


def writing_standing(*, user: User) -> dict[str, Any] | None:
    """Whether the account is one of the Publishers group (``publisher``) and its
    reader profile's ban and suspension (``banned``, ``ban_reason``,
    ``suspended_until``, ``suspension_reason``; None without a profile), in one query;
    None for an account that no longer exists."""
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(publisher=Exists(Group.objects.filter(user=OuterRef("pk"), name=PUBLISHERS)))
        .values(
            "publisher",
            banned=F("reader_profile__banned"),
            ban_reason=F("reader_profile__ban_reason"),
            suspended_until=F("reader_profile__suspended_until"),
            suspension_reason=F("reader_profile__suspension_reason"),
        )
        .first()
    )


# The publisher's roles shown as badges; commenters and members are every reader.
BADGE_ROLES = ("STAFF", "MODERATOR", "ADMIN")


def badges_shown(*, role: str | None, badges: list[str] | None, staff: bool = False) -> list[str]:
    """The badges a reader is shown with: STAFF for the site's own staff accounts (the
    newsroom: the widget shows it as "Redaktion"), the publisher's role if it is one of
    BADGE_ROLES, then the badges the publisher gave (SSO); empty for other readers."""
    shown = ["STAFF"] if staff else []
    if role in BADGE_ROLES and role not in shown:
        shown.append(role)
    return [*shown, *(badge for badge in badges or [] if badge not in shown)]


def reader_badges(*, user: User) -> list[str]:
    """The reader's badges (badges_shown). One query."""
    identity = SsoIdentity.objects.filter(user=user).only("role", "badges").first()
    if identity is None:
        return badges_shown(role=None, badges=None, staff=user.is_staff)
    return badges_shown(role=identity.role, badges=identity.badges, staff=user.is_staff)


def reader_get(*, username: str) -> User:
    """The account with this username, staff included; NotFound otherwise."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(gettext("No such reader."))
    return user


# --- Second factor ----------------------------------------------------------


def user_authenticators(*, user: User) -> QuerySet[TOTPDevice]:
    """The account's authenticator apps: its confirmed TOTP devices."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def token_has_second_factor(*, token: Token) -> bool:
    """Whether the token was got with the code of an authenticator app that the account
    still has. One query."""
    return TokenSecondFactor.objects.filter(token=token, device__confirmed=True).exists()
