"""What a locked-out login sees: JSON for API clients, a page for people."""

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
