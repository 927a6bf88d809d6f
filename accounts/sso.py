"""Sign-in with the publisher's accounts (SSO): the site's page hands the widget a
JWT it signed for the reader; it is exchanged here for the reader's API token.

The token is Coral's (``user.id``, ``user.email``, ``user.username``, optional
``user.role`` and ``user.badges``, ``exp``, ``iat``, ``jti``), signed HS256 with a
secret made in the admin (``kid`` picks it; without, every active one is tried),
or RS256/ES256 with a key of the publisher's JWKS (SSO_JWKS_URL). Stricter than
Coral: ``exp`` is required and its distance from ``iat`` capped, a ``jti`` signs
in once, ``aud``/``iss`` are checked when configured. Every refusal is an
SsoRefused (401) whose code names the problem.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.authtoken.models import Token

from accounts.models import ReaderProfile, SsoIdentity, SsoSecret, SsoTokenUse
from accounts.names import mixes_lookalike_scripts
from accounts.services import (
    DISPLAY_NAME_MAX_LENGTH,
    display_name_clean,
    display_name_ensure_available,
    name_reserved,
    reader_consent,
)
from web.errors import Conflict, DomainError, InvalidInput, Unavailable
from web.text import has_control_characters

SECRET_PREFIX = "ssosec_"  # noqa: S105  # a prefix, not a secret
# Coral's roles (its docs leave MEMBER out; its code has it).
ROLES = ("COMMENTER", "MEMBER", "STAFF", "MODERATOR", "ADMIN")
HMAC_ALGORITHMS = ("HS256",)
JWKS_ALGORITHMS = ("RS256", "ES256")
BADGES_MAX = 20
BADGE_MAX_LENGTH = 50
CLAIM_MAX_LENGTH = 255


class SsoRefused(DomainError):
    """The token signs nobody in; ``code`` says why, ``claim`` which claim (if one)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "invalid_token"


def _refused(code: str, message: str, *, claim: str | None = None) -> SsoRefused:
    return SsoRefused(message, code=code, extra={"claim": claim} if claim else None)


# --- Secrets ------------------------------------------------------------------


def sso_secret_generate() -> str:
    """A new secret as Coral makes them: ``ssosec_`` and 64 hex digits (256 bits)."""
    return SECRET_PREFIX + secrets.token_hex(32)


def sso_secret_valid(secret: str) -> bool:
    """Whether a secret brought along (from Coral) has the form: the prefix and at
    least 32 hex digits (128 bits)."""
    digits = secret.removeprefix(SECRET_PREFIX)
    return (
        secret.startswith(SECRET_PREFIX)
        and len(digits) >= 32
        and all(char in "0123456789abcdefABCDEF" for char in digits)
    )


def sso_secret_create(*, kid: str, expires_at: datetime | None = None) -> SsoSecret:
    """Make an active secret with this kid; its ``secret`` is shown to the publisher once."""
    return SsoSecret.objects.create(kid=kid, secret=sso_secret_generate(), expires_at=expires_at)


def _active_secrets(now: datetime) -> list[SsoSecret]:
    return list(SsoSecret.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), is_active=True))


# --- Verifying a token ----------------------------------------------------------


@dataclass(frozen=True)
class SsoClaims:
    """What a verified token says about the reader."""

    subject: str
    email: str
    username: str
    expires_at: datetime
    issued_at: datetime | None
    jti: str | None
    role: str | None  # None: the token did not say
    badges: list[str] | None


@lru_cache(maxsize=4)
def _jwks_client(url: str, timeout: float, lifespan: int) -> jwt.PyJWKClient:
    """One client per JWKS address, kept for the process: it caches the key set
    (``lifespan`` seconds) and fetches it again for a kid it has not seen."""
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=lifespan, timeout=timeout)


def _shown(value: str | None) -> str:
    """A value from the token's header, quoted and cut short, for a message."""
    return repr((value or "")[:64])


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise _refused("malformed_token", gettext("The token is not a JWT.")) from None
    return header


def _signing_keys(token: str, header: dict[str, Any], now: datetime) -> tuple[list[Any], list[str]]:
    """The keys the token may be signed with, and the algorithm allowed for them."""
    alg = header.get("alg")
    kid = header.get("kid")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise _refused("unsigned_token", gettext("The token is not signed (alg none); it must be."))
    if kid is not None and not isinstance(kid, str):
        raise _refused("malformed_token", gettext("The token's kid must be a string."))
    if alg in HMAC_ALGORITHMS:
        candidates = _active_secrets(now)
        if kid is not None:
            candidates = [each for each in candidates if each.kid == kid]
        if not candidates:
            raise _refused(
                "unknown_key",
                gettext("No active secret has the kid %(kid)s.") % {"kid": _shown(kid)}
                if kid
                else gettext("No secret is active."),
            )
        return [each.secret for each in candidates], [alg]
    if alg in JWKS_ALGORITHMS:
        if not settings.SSO_JWKS_URL:
            raise _refused(
                "unknown_key",
                gettext("Tokens signed %(alg)s need a JWKS, and none is configured.") % {"alg": alg},
            )
        client = _jwks_client(
            settings.SSO_JWKS_URL, settings.SSO_JWKS_TIMEOUT, settings.SSO_JWKS_CACHE_SECONDS
        )
        try:
            key = client.get_signing_key_from_jwt(token)
        # Unreachable, an answer that is no JSON (an error page), or one without a
        # usable key: the publisher's side, for now; nothing the reader sent.
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, OSError, ValueError) as exc:
            raise Unavailable(
                gettext("The publisher's key set (JWKS) cannot be fetched now; try again later."),
                code="jwks_unavailable",
                extra={"reason": str(exc)[:200]},
            ) from None
        except (jwt.PyJWKClientError, jwt.InvalidKeyError, jwt.DecodeError):
            raise _refused(
                "unknown_key",
                gettext("The publisher's key set has no usable key with the kid %(kid)s.")
                % {"kid": _shown(kid)},
            ) from None
        return [key], [alg]
    raise _refused(
        "unsupported_algorithm",
        gettext("Tokens signed %(alg)s are not accepted; use %(algorithms)s.")
        % {"alg": _shown(alg), "algorithms": ", ".join(HMAC_ALGORITHMS + JWKS_ALGORITHMS)},
    )


def _decode(token: str, keys: list[Any], algorithms: list[str]) -> dict[str, Any]:
    """The payload of a token that one of the keys signed; SsoRefused otherwise."""
    options: dict[str, Any] = {
        "require": ["exp"],
        "verify_aud": bool(settings.SSO_AUDIENCE),
        "verify_iss": bool(settings.SSO_ISSUER),
    }
    if settings.SSO_AUDIENCE:
        options["require"].append("aud")
    if settings.SSO_ISSUER:
        options["require"].append("iss")
    for key in keys:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                options=options,  # type: ignore[arg-type]  # PyJWT's Options is a TypedDict
                audience=settings.SSO_AUDIENCE or None,
                issuer=settings.SSO_ISSUER or None,
                leeway=settings.SSO_LEEWAY,
            )
        except jwt.InvalidSignatureError:
            continue  # maybe another of the active secrets
        except jwt.ExpiredSignatureError:
            raise _refused("token_expired", gettext("The token has expired."), claim="exp") from None
        except jwt.InvalidAudienceError:
            raise _refused(
                "wrong_audience",
                gettext("The token is not meant for this site (aud must be %(audience)r).")
                % {"audience": settings.SSO_AUDIENCE},
            ) from None
        except jwt.InvalidIssuerError:
            raise _refused(
                "wrong_issuer",
                gettext("The token was not issued by %(issuer)r (iss).") % {"issuer": settings.SSO_ISSUER},
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise _refused(
                "missing_claim",
                gettext("The token has no %(claim)s claim.") % {"claim": exc.claim},
                claim=exc.claim,
            ) from None
        except jwt.ImmatureSignatureError:
            raise _refused(
                "token_not_yet_valid", gettext("The token is not valid yet (iat or nbf).")
            ) from None
        except jwt.InvalidIssuedAtError:
            raise _refused(
                "invalid_claim", gettext("The token's iat is not a number."), claim="iat"
            ) from None
        except jwt.exceptions.InvalidJTIError:
            raise _refused(
                "invalid_claim", gettext("The token's jti is not a string."), claim="jti"
            ) from None
        except jwt.InvalidKeyError:
            continue  # a key of another type than the algorithm's
        except jwt.InvalidTokenError as exc:
            raise _refused(
                "malformed_token", gettext("The token cannot be read: %(problem)s") % {"problem": exc}
            ) from None
        return payload
    raise _refused("bad_signature", gettext("The token's signature does not match any active key."))


def _optional(value: Any, claim: str) -> str | None:
    """A text claim, or None when the token leaves it out."""
    if value is None:
        return None
    # Coral's ids are strings; a number is taken as its digits.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _refused(
            "invalid_claim",
            gettext("The token's %(claim)s must be a non-empty string.") % {"claim": claim},
            claim=claim,
        )
    if has_control_characters(value):
        raise _refused(
            "invalid_claim",
            gettext("The token's %(claim)s contains control characters.") % {"claim": claim},
            claim=claim,
        )
    if len(value) > CLAIM_MAX_LENGTH:
        raise _refused(
            "invalid_claim",
            gettext("The token's %(claim)s may have at most %(limit)d characters.")
            % {"claim": claim, "limit": CLAIM_MAX_LENGTH},
            claim=claim,
        )
    return value.strip()


def _required(value: Any, claim: str) -> str:
    text = _optional(value, claim)
    if text is None:
        raise _refused(
            "missing_claim", gettext("The token has no %(claim)s claim.") % {"claim": claim}, claim=claim
        )
    return text


def _timestamp(value: Any) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def _claims(payload: dict[str, Any]) -> SsoClaims:
    """The reader's claims, checked as Coral's SSOTokenSchema checks them (unknown
    claims allowed), and the lifetime capped."""
    user = payload.get("user")
    if user is None:
        raise _refused(
            "missing_claim", gettext("The token has no %(claim)s claim.") % {"claim": "user"}, claim="user"
        )
    if not isinstance(user, dict):
        raise _refused("invalid_claim", gettext("The token's user must be an object."), claim="user")
    subject = _required(user.get("id"), "user.id")
    email = _required(user.get("email"), "user.email").lower()
    username = _required(user.get("username"), "user.username")
    try:
        EmailValidator()(email)
    except ValidationError:
        raise _refused(
            "invalid_claim", gettext("The token's user.email is not an email address."), claim="user.email"
        ) from None
    role = _optional(user.get("role"), "user.role")
    if role is not None:
        role = role.upper()
        if role not in ROLES:
            raise _refused(
                "invalid_claim",
                gettext("The token's user.role must be one of %(roles)s.") % {"roles": ", ".join(ROLES)},
                claim="user.role",
            )
    badges = user.get("badges")
    if badges is not None and (
        not isinstance(badges, list)
        or len(badges) > BADGES_MAX
        or not all(
            isinstance(b, str) and 0 < len(b.strip()) <= BADGE_MAX_LENGTH and not has_control_characters(b)
            for b in badges
        )
    ):
        raise _refused(
            "invalid_claim",
            gettext(
                "The token's user.badges must be a list of at most %(count)d texts "
                "of 1 to %(length)d characters."
            )
            % {"count": BADGES_MAX, "length": BADGE_MAX_LENGTH},
            claim="user.badges",
        )
    jti = _optional(payload.get("jti"), "jti")
    expires_at = _timestamp(payload["exp"])  # required and checked by _decode
    issued_at = _timestamp(payload["iat"]) if "iat" in payload else None
    lifetime = (expires_at - (issued_at or timezone.now())).total_seconds()
    if lifetime > settings.SSO_MAX_TOKEN_LIFETIME + settings.SSO_LEEWAY:
        raise _refused(
            "lifetime_too_long",
            gettext("The token is valid for %(lifetime)d seconds; at most %(limit)d are accepted.")
            % {"lifetime": int(lifetime), "limit": settings.SSO_MAX_TOKEN_LIFETIME},
            claim="exp",
        )
    return SsoClaims(
        subject=subject,
        email=email,
        username=username,
        expires_at=expires_at,
        issued_at=issued_at,
        jti=jti,
        role=role,
        badges=[b.strip() for b in badges] if badges is not None else None,
    )


def sso_token_verify(*, token: str, now: datetime | None = None) -> SsoClaims:
    """The claims of a token signed by one of the publisher's active keys, unexpired,
    for this site (aud/iss when configured) and in Coral's shape; SsoRefused naming
    the problem otherwise, Unavailable (503) when the JWKS cannot be fetched. Does
    not look at the jti (sso_sign_in does)."""
    header = _header(token)
    keys, algorithms = _signing_keys(token, header, now or timezone.now())
    return _claims(_decode(token, keys, algorithms))


# --- Signing in -----------------------------------------------------------------


def _display_name(wanted: str, *, user: User | None) -> str:
    """The display name a reader gets for the publisher's username: the name itself
    (cleaned, cut to the longest a display name may be) if it is free; "Name (2)",
    "Name (3)", … if another account shows it; none at all (the reader is shown by
    the account's username, and may choose a name) if it is reserved, mixes
    look-alike scripts or holds invisible characters, as a name chosen here would be
    refused too."""
    try:
        name = display_name_clean(wanted.strip()[:DISPLAY_NAME_MAX_LENGTH])
    except InvalidInput:
        return ""
    if (
        not name
        or mixes_lookalike_scripts(name)
        or (name_reserved(name) and not getattr(user, "is_staff", False))
    ):
        return ""
    for number in range(1, 100):
        suffix = "" if number == 1 else f" ({number})"
        candidate = name[: DISPLAY_NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
        try:
            display_name_ensure_available(candidate, user=user)
        except InvalidInput:
            continue
        return candidate
    return ""


def _internal_username() -> str:
    """The account's own username: not the publisher's (shown as the display name),
    which may be anything and change; 'sso-' and random hex digits."""
    return f"sso-{secrets.token_hex(8)}"


def _staff(role: str | None) -> bool:
    return role is not None and role in settings.SSO_STAFF_ROLES


def _duplicate(email: str) -> Conflict:
    return Conflict(
        gettext("Another of the publisher's accounts already signed in with the email %(email)s.")
        % {"email": email},
        code="duplicate_user",
    )


def _create(claims: SsoClaims) -> User:
    if SsoIdentity.objects.filter(email=claims.email).exists():
        raise _duplicate(claims.email)
    user_model = get_user_model()
    user = user_model(username=_internal_username(), email=claims.email, is_staff=_staff(claims.role))
    user.set_unusable_password()  # signs in through the publisher only
    user.save()
    # The publisher's own terms, which its readers accepted there, cover the
    # discussion: recorded as the consent, not asked for again.
    ReaderProfile.objects.create(
        user=user,
        display_name=_display_name(claims.username, user=user),
        **reader_consent(source=ReaderProfile.ConsentSource.SSO),
    )
    SsoIdentity.objects.create(
        user=user,
        subject=claims.subject,
        email=claims.email,
        username=claims.username,
        role=claims.role or "",
        badges=claims.badges or [],
        last_issued_at=claims.issued_at,
    )
    return user


def _update(identity: SsoIdentity, claims: SsoClaims) -> None:
    """Apply a token issued after the last one applied; claims it leaves out stay."""
    if claims.issued_at is None or (
        identity.last_issued_at is not None and claims.issued_at <= identity.last_issued_at
    ):
        return
    user = identity.user
    if claims.email != identity.email:
        if SsoIdentity.objects.filter(email=claims.email).exclude(pk=identity.pk).exists():
            raise _duplicate(claims.email)
        identity.email = user.email = claims.email
    if claims.role is not None:
        identity.role = claims.role
        # Only roles the settings name open the admin, and a role that no longer does
        # closes it again, for accounts made this way.
        user.is_staff = _staff(claims.role)
    if claims.badges is not None:
        identity.badges = claims.badges
    if claims.username != identity.username:
        identity.username = claims.username
        profile, _ = ReaderProfile.objects.get_or_create(user=user)
        profile.display_name = _display_name(claims.username, user=user)
        profile.save(update_fields=["display_name", "updated_at"])
    identity.last_issued_at = claims.issued_at
    user.save(update_fields=["email", "is_staff"])
    identity.save()


def _token_key(user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


def sso_sign_in(*, token: str, now: datetime | None = None) -> tuple[User, str]:
    """Sign a reader in with a token of the publisher; returns the account and its
    API token (``Authorization: Token …``), as signing in with a password does.

    The first sign-in of a publisher account makes a reader (no password; display
    name from ``user.username``, see _display_name); a later token updates it if
    its ``iat`` is newer than the last applied. A ``jti`` signs in once: used again
    it is refused (``token_replayed``, or ``token_revoked`` after signing out). The
    same email under another ``user.id`` is Conflict (``duplicate_user``), as in
    Coral. All of it in one transaction: a refused token changes nothing. Tokens
    used that have expired are deleted on the way."""
    now = now or timezone.now()
    claims = sso_token_verify(token=token, now=now)
    SsoTokenUse.objects.filter(expires_at__lt=now - timedelta(seconds=settings.SSO_LEEWAY)).delete()
    _ensure_unused(claims)
    try:
        with transaction.atomic():
            identity = SsoIdentity.objects.select_related("user").filter(subject=claims.subject).first()
            if identity is None:
                user = _create(claims)
            else:
                user = identity.user
                _update(identity, claims)
            if not user.is_active:
                raise _refused("account_inactive", gettext("This account has been deactivated."))
            if claims.jti is not None:
                SsoTokenUse.objects.create(
                    jti=claims.jti, user=user, expires_at=claims.expires_at, used_at=now
                )
            key = _token_key(user)
    except IntegrityError:
        # Either this jti was used (by this request's twin, or before), or the same
        # publisher account or email signed in at this moment.
        _raise_used_or_conflict(claims)
        raise
    return user, key


def _ensure_unused(claims: SsoClaims) -> None:
    """SsoRefused if the token's jti signed someone in before."""
    if claims.jti is None:
        return
    used = SsoTokenUse.objects.filter(jti=claims.jti).first()
    if used is not None and used.revoked_at is not None:
        raise _refused(
            "token_revoked", gettext("This token was signed out of; the page needs a new one."), claim="jti"
        )
    if used is not None:
        raise _refused("token_replayed", gettext("This token has been used to sign in already."), claim="jti")


def _raise_used_or_conflict(claims: SsoClaims) -> None:
    _ensure_unused(claims)
    if SsoIdentity.objects.filter(email=claims.email).exclude(subject=claims.subject).exists():
        raise _duplicate(claims.email)
    raise Conflict(
        gettext("Signing in with this account at the same moment elsewhere; try again."), code="conflict"
    )
