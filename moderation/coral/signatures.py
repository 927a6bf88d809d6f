"""The phase's signing secrets and the check of a request's signature.

Coral signs the raw body (pretty-printed JSON) with HMAC-SHA256 under each of the
phase's active secrets, the secret string itself as the key, and sends
``X-Coral-Signature: sha256=<hex>[,sha256=<hex>…]``. A request is accepted when one
of those signatures is the HMAC of the body under one of the secrets active here;
nothing else is signed (no time, no id), so a recorded request could be sent again:
TLS keeps it from being recorded on the way.

A caller that can sign a time and an id (a proxy in front of Coral, another
platform) may use the Standard Webhooks scheme instead: ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64>`` (several
separated by spaces), the HMAC-SHA256 of ``"<id>.<timestamp>.<body>"``. The key of a
``whsec_`` secret is its base64-decoded rest, as Standard Webhooks has it; any other
secret is used as it is, as Coral does. A request more than WEBHOOK_TOLERANCE
seconds old or ahead is refused, and an id seen before is refused as a replay."""

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Mapping
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from redis.exceptions import RedisError
from rest_framework import status

from moderation.models import CoralSecret
from web.errors import Conflict, DomainError

logger = logging.getLogger(__name__)

SECRET_PREFIX = "empsec_"  # noqa: S105  # the form of Coral's secrets, not a secret
PREFIX_LENGTH = 12  # "empsec_" and five hex digits: enough to tell secrets apart
# More signatures than Coral ever sends (one a secret in rotation) are not tried.
MAX_SIGNATURES = 10
HEADER = "X-Coral-Signature"
# Standard Webhooks' headers, and how far a request's time may lie from ours.
WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
WEBHOOK_TOLERANCE = 300
MAX_WEBHOOK_ID_LENGTH = 255


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


def request_signer(body: bytes, headers: Mapping[str, str]) -> CoralSecret:
    """The active secret that signed the request: by the Standard Webhooks headers
    when it has ``webhook-signature``, else by Coral's ``X-Coral-Signature``."""
    if headers.get(WEBHOOK_SIGNATURE):
        return webhook_signature_check(body, headers)
    return signature_check(body, headers.get(HEADER))


def _webhook_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode("utf-8")


def webhook_signature_check(body: bytes, headers: Mapping[str, str], now: float | None = None) -> CoralSecret:
    """As signature_check, for the Standard Webhooks scheme; beyond it, 403
    ``timestamp_invalid`` for a time outside the tolerance and 409 ``replayed``
    for an id already accepted within twice the tolerance (kept in the cache; when
    the cache is down, replays are not caught and the request is let through)."""
    webhook_id = headers.get(WEBHOOK_ID, "")
    timestamp = headers.get(WEBHOOK_TIMESTAMP, "")
    if not webhook_id or not timestamp:
        raise SignatureMissing(
            gettext("A request signed with %(signature)s also needs the %(id)s and %(timestamp)s headers.")
            % {"signature": WEBHOOK_SIGNATURE, "id": WEBHOOK_ID, "timestamp": WEBHOOK_TIMESTAMP}
        )
    malformed = len(webhook_id) > MAX_WEBHOOK_ID_LENGTH or len(timestamp) > 20
    if malformed or not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureInvalid(
            gettext("%(id)s or %(timestamp)s is malformed.")
            % {"id": WEBHOOK_ID, "timestamp": WEBHOOK_TIMESTAMP},
            code="timestamp_invalid",
        )
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > WEBHOOK_TOLERANCE:
        raise SignatureInvalid(
            gettext("The request's time is more than %(seconds)d seconds from the server's.")
            % {"seconds": WEBHOOK_TOLERANCE},
            code="timestamp_invalid",
        )
    given = []
    for entry in headers.get(WEBHOOK_SIGNATURE, "").split()[:MAX_SIGNATURES]:
        version, _, value = entry.partition(",")
        if version == "v1" and value:
            given.append(value.encode("utf-8", "surrogatepass"))
    if not given:
        raise SignatureMissing(
            gettext("The %(header)s header has no v1,<base64> signature.") % {"header": WEBHOOK_SIGNATURE}
        )
    signed = f"{webhook_id}.{timestamp}.".encode("utf-8", "surrogatepass") + body
    for row in active_secrets():
        digest = hmac.new(_webhook_key(row.secret), signed, hashlib.sha256).digest()
        expected = base64.b64encode(digest)
        if any([hmac.compare_digest(expected, value) for value in given]):
            _first_use(webhook_id)
            CoralSecret.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
            return row
    raise SignatureInvalid(gettext("The signature matches none of the active signing secrets."))


def _id_key(webhook_id: str) -> str:
    return "coral:webhook-id:" + hashlib.sha256(webhook_id.encode("utf-8", "surrogatepass")).hexdigest()


def webhook_id_release(headers: Mapping[str, str]) -> None:
    """Forget the request's ``webhook-id`` (if it has one) after an answer that was
    not a success, so that the sender's retry with the same id is answered."""
    if headers.get(WEBHOOK_SIGNATURE) and headers.get(WEBHOOK_ID):
        try:
            cache.delete(_id_key(headers[WEBHOOK_ID]))
        except (RedisError, OSError) as exc:
            logger.warning("coral phase: webhook id not released, cache unavailable: %s", exc)


def _first_use(webhook_id: str) -> None:
    try:
        first = cache.add(_id_key(webhook_id), 1, timeout=2 * WEBHOOK_TOLERANCE)
    except (RedisError, OSError) as exc:
        logger.warning("coral phase: replay check skipped, cache unavailable: %s", exc)
        return
    if not first:
        raise Conflict(
            gettext("This %(id)s was accepted before: a replayed request.") % {"id": WEBHOOK_ID},
            code="replayed",
        )
