"""Who the client is behind our proxies, and what a locked-out login sees: JSON for
API clients, a page for people."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


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


def client_ip(request: HttpRequest) -> str:
    """The client's address: the peer's, or with TRUSTED_PROXY_COUNT proxies in front,
    the address the outermost of them saw (the same rule as the API's throttles)."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    count = settings.TRUSTED_PROXY_COUNT
    if count and forwarded:
        return forwarded[-min(count, len(forwarded))]
    return peer
