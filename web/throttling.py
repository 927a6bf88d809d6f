"""Throttles for writes: per signed-in user and per client IP, counted in the cache.

A view names the scope of each write method in ``throttle_scopes`` (e.g.
``{"POST": "comment"}``); the rate comes from ``settings.THROTTLE_RATES`` under
``<scope>_user`` and ``<scope>_ip``, read per request so that it can be changed in
tests and turned off as a whole with THROTTLE_ENABLED. Reads are never throttled.
"""

import logging
import math
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from web.security import client_ip

logger = logging.getLogger(__name__)


class _WriteThrottle(SimpleRateThrottle):
    kind = ""

    def __init__(self) -> None:
        # The rate depends on the view and method; it is set in allow_request.
        self.rate: str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if not settings.THROTTLE_ENABLED or request.method in SAFE_METHODS:
            return True
        scope = getattr(view, "throttle_scopes", {}).get(request.method)
        if scope is None:
            return True
        self.scope = f"{scope}_{self.kind}"
        self.rate = settings.THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            # A throttle guards against abuse; it must never be the reason a reader's
            # request fails. With the cache unreachable the request goes through.
            logger.warning("throttle %s skipped, cache unavailable: %s", self.scope, exc)
            return True

    def get_ident(self, request: Request | HttpRequest) -> str:
        # The login lockouts' rule, not DRF's NUM_PROXIES: X-Forwarded-For counts
        # only when it comes from one of our proxies.
        return client_ip(request)


class UserWriteThrottle(_WriteThrottle):
    """Counts a signed-in user's writes, wherever they come from."""

    kind = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return f"throttle:{self.scope}:{request.user.pk}"


class IpWriteThrottle(_WriteThrottle):
    """Counts the writes from one client address, signed in or not."""

    kind = "ip"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"throttle:{self.scope}:{self.get_ident(request)}"


def ip_throttle_wait(request: HttpRequest, scope: str) -> int | None:
    """For forms outside the API (the admin's login): counts this request against
    ``<scope>_ip`` as IpWriteThrottle does for an API view with that scope, sharing
    its counter. Seconds to wait when over the rate, else None."""
    throttle = IpWriteThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scopes={request.method: scope})):  # type: ignore[arg-type]  # it reads only method and META, which a Django request has
        return None
    return max(1, math.ceil(throttle.wait() or 1))
