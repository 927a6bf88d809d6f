"""Who the client is behind our proxies, and what a locked-out login sees: JSON for
API clients, a page for people."""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.request import Request


def lockout_response(
    request: HttpRequest,
    response: HttpResponse | None = None,
    credentials: Any = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"Too many failed logins. Try again in {minutes} minutes."
    if request.path.startswith("/api/"):
        answer = JsonResponse(
            {"detail": message, "code": "locked_out", "retry_after": minutes * 60}, status=429
        )
        answer["Retry-After"] = str(minutes * 60)
        return answer
    # Rendered here: this answer replaces the view's in middleware, after rendering.
    return render(request, "admin/locked_out.html", {"message": message}, status=429)


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
