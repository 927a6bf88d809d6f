"""The phase's signing secrets and the check of Coral's signature.

Coral signs the raw body (pretty-printed JSON) with HMAC-SHA256 under each of the
phase's active secrets, the secret string itself as the key, and sends
``X-Coral-Signature: sha256=<hex>[,sha256=<hex>…]``. A request is accepted when one
of those signatures is the HMAC of the body under one of the secrets active here;
nothing else is signed (no time, no id), so a recorded request could be sent again:
TLS keeps it from being recorded on the way."""

import hashlib
import hmac
import secrets
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import status

from moderation.models import CoralSecret
from web.errors import DomainError

SECRET_PREFIX = "empsec_"  # noqa: S105  # the form of Coral's secrets, not a secret
PREFIX_LENGTH = 12  # "empsec_" and five hex digits: enough to tell secrets apart
# More signatures than Coral ever sends (one a secret in rotation) are not tried.
MAX_SIGNATURES = 10
HEADER = "X-Coral-Signature"


class SignatureMissing(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "signature_missing"


class SignatureInvalid(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "signature_invalid"


def secret_generate() -> str:
    """A new secret in Coral's form, for callers other than Coral."""
    return SECRET_PREFIX + secrets.token_hex(32)


def secret_assign(row: CoralSecret, secret: str) -> None:
    """Give an unsaved row its secret (the admin's form)."""
    row.secret = secret
    row.prefix = secret[:PREFIX_LENGTH]


def secret_create(*, name: str, secret: str | None = None, expires_at: datetime | None = None) -> CoralSecret:
    """A new active secret: the one Coral shows, or a new one when None."""
    row = CoralSecret(name=name, expires_at=expires_at)
    secret_assign(row, secret or secret_generate())
    row.save()
    return row


def active_secrets(now: datetime | None = None) -> QuerySet[CoralSecret]:
    now = now or timezone.now()
    return CoralSecret.objects.filter(is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def signatures_in(header: str) -> list[bytes]:
    """The hex digests of the ``sha256=`` entries of the header, as Coral's own
    recipe reads it: split on commas, then on the first ``=``."""
    found = []
    for entry in header.split(",")[:MAX_SIGNATURES]:
        scheme, _, value = entry.strip().partition("=")
        if scheme == "sha256" and value:
            found.append(value.strip().lower().encode("utf-8", "surrogatepass"))
    return found


def signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_check(body: bytes, header: str | None) -> CoralSecret:
    """The active secret that signed ``body``; SignatureMissing (401) without a
    usable header, SignatureInvalid (403) when no active secret signed it. Every
    pair is compared in constant time. One query, and one update of the secret's
    last use."""
    given = signatures_in(header or "")
    if not given:
        raise SignatureMissing(
            gettext("The request is not signed: the %(header)s header with sha256=<hex> is missing.")
            % {"header": HEADER}
        )
    rows = list(active_secrets())
    if not rows:
        raise SignatureInvalid(
            gettext("No signing secret is active: enter the phase's secret in the admin."),
            code="no_active_secret",
        )
    for row in rows:
        expected = signature(body, row.secret).encode("ascii")
        # Every given signature against this secret, without stopping at a match.
        if any([hmac.compare_digest(expected, value) for value in given]):
            CoralSecret.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
            return row
    raise SignatureInvalid(gettext("The signature matches none of the active signing secrets."))
