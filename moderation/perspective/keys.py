"""The clients' API keys: made with ``secrets``, kept as SHA-256 only, each with its
own rate (counted in the cache like the write throttles of web.throttling) and a
usage count updated in the database without reading it first."""

import hashlib
import logging
import math
import secrets
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from moderation.models import AnalysisKey
from moderation.perspective.errors import refused

logger = logging.getLogger(__name__)

PREFIX_LENGTH = 8


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_create(
    *, name: str, rate_per_minute: int = 60, allow_suggestions: bool = False
) -> tuple[AnalysisKey, str]:
    """A new active key for a client: the row and the key, which is not kept."""
    key = secrets.token_urlsafe(32)
    row = AnalysisKey.objects.create(
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=key_hash(key),
        rate_per_minute=rate_per_minute,
        allow_suggestions=allow_suggestions,
    )
    return row, key


def key_assign(row: AnalysisKey) -> str:
    """Give an unsaved row (the admin's form) a new key; returns the key."""
    key = secrets.token_urlsafe(32)
    row.prefix = key[:PREFIX_LENGTH]
    row.key_hash = key_hash(key)
    return key


class _KeyRate(SimpleRateThrottle):
    """web.throttling's counting (DRF's sliding window in the cache), per key."""

    def __init__(self, row: AnalysisKey) -> None:
        # Not DRF's __init__, which reads a scope's rate from the settings.
        self.rate = f"{row.rate_per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.cache_key = f"throttle:perspective:{row.pk}"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_key


def key_check(key: str | None) -> AnalysisKey:
    """The active key's row, or the refusal Google gives: 401 without a key, 403 for
    a key that is unknown or switched off, 429 over the key's rate."""
    if not key:
        raise refused(
            "UNAUTHENTICATED",
            "The request is missing a valid API key: pass it as ?key= or in the X-Goog-Api-Key header.",
            "API_KEY_MISSING",
        )
    row = AnalysisKey.objects.filter(key_hash=key_hash(key)).first()
    if row is None or not row.is_active:
        raise refused(
            "PERMISSION_DENIED", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"
        )
    if settings.THROTTLE_ENABLED:
        throttle = _KeyRate(row)
        try:
            allowed = throttle.allow_request(None, None)  # type: ignore[arg-type]  # the cache key needs neither
        except (RedisError, OSError) as exc:
            logger.warning("perspective key rate skipped, cache unavailable: %s", exc)
            allowed = True
        if not allowed:
            error = refused(
                "RESOURCE_EXHAUSTED",
                f"Quota exceeded: this key may send {row.rate_per_minute} requests a minute.",
                "RATE_LIMIT_EXCEEDED",
            )
            error.retry_after = max(1, math.ceil(throttle.wait() or 1))
            raise error
    AnalysisKey.objects.filter(pk=row.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    return row
