"""Who the client is behind our proxies, when a login is locked out, and what a
locked-out login sees: JSON for API clients, a page for people."""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework.request import Request


def lockout_response(
    request: HttpRequest,
    response: HttpResponse | None = None,
    credentials: Any = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed logins. Try again in %(minutes)d minute.",
        "Too many failed logins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        answer = JsonResponse(
            {"detail": message, "code": "locked_out", "retry_after": minutes * 60}, status=429
        )
        answer["Retry-After"] = str(minutes * 60)
        return answer
    # Rendered here: this answer replaces the view's in middleware, after rendering.
    return render(request, "admin/locked_out.html", {"message": message}, status=429)


class LoginGuardHandler(AxesDatabaseHandler):
    """Axes' lockout of one account from one address (AXES_FAILURE_LIMIT), plus a
    lockout of the account from everywhere once LOGIN_ACCOUNT_FAILURE_LIMIT failures
    from any addresses fall within the cool-off time. Both the admin's login and the
    API token endpoint authenticate through axes, so both are guarded."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or self._account_locked(request, credentials)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # The failure that reaches the account's limit is answered as locked already,
        # as axes answers the one that reaches the per-address limit.
        if (
            request is None
            or getattr(request, "axes_locked_out", False)
            or not self._account_locked(request, credentials)
        ):
            return
        request.axes_locked_out = True  # type: ignore[attr-defined]  # axes keeps its state on the request
        request.axes_credentials = credentials  # type: ignore[attr-defined]  # axes keeps its state on the request
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by axes' middleware
        )

    def _account_locked(self, request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
        username = get_client_username(request, credentials)
        if not username:
            return False
        failures = AccessAttempt.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return (failures or 0) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT


@lru_cache(maxsize=16)
def _parsed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def in_networks(address: str, networks: Iterable[str]) -> bool:
    """Whether ``address`` lies in one of ``networks``; False for anything that is
    not an address. An IPv4 peer seen on a dual-stack socket (::ffff:10.0.0.1)
    counts as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _parsed(tuple(networks)))


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address, by which login lockouts and the API's throttles count.

    The peer's, unless the peer is one of our proxies (TRUSTED_PROXY_NETWORKS) and
    TRUSTED_PROXY_COUNT proxies append to X-Forwarded-For: then the address the
    outermost of them saw. Anyone else's X-Forwarded-For is ignored, since a client
    can write whatever it likes into it."""
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count or not in_networks(peer, settings.TRUSTED_PROXY_NETWORKS):
        return peer
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    return forwarded[-min(count, len(forwarded))] if forwarded else peer


def proxy_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Deployment check: TRUSTED_PROXY_COUNT without the proxies' networks."""
    if not settings.TRUSTED_PROXY_COUNT or settings.TRUSTED_PROXY_NETWORKS:
        return []
    return [
        CheckWarning(
            f"TRUSTED_PROXY_COUNT is {settings.TRUSTED_PROXY_COUNT} but TRUSTED_PROXY_NETWORKS names no "
            "proxy, so X-Forwarded-For is ignored: behind a proxy, every client would share the "
            "proxy's address for throttles and login lockouts.",
            hint="Set TRUSTED_PROXY_NETWORKS to the addresses your proxies connect from, or "
            "TRUSTED_PROXY_COUNT=0 when clients connect to the web server directly.",
            id="stammtisch.W001",
        )
    ]
