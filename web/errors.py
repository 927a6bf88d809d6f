"""Domain errors and the one place that turns them into HTTP answers.

Services raise these; views never build error responses themselves. Every error
the API returns is JSON: ``{"detail": …, "code": …}``, or for bad input the field
errors ``{"field": ["message", …]}``, with the fitting status code.
"""

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response


class DomainError(Exception):
    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        # More facts for the client next to detail and code, e.g. when a suspension ends.
        self.extra = extra or {}

    def as_json(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code, **self.extra}


class InvalidInput(DomainError):
    pass


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Unavailable(DomainError):
    """Something the answer needs is not there on the server's side (no usable
    model, say); the client may try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"


def body_too_large(limit: int) -> str:
    """The message of a 413: the body is over ``limit`` bytes."""
    return gettext("The request body is larger than %(limit)d bytes.") % {"limit": limit}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_json(), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": body_too_large(limit), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    # Imported here: DRF's views module loads the authentication classes of the
    # settings, which read accounts' selectors, and those raise the errors above.
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["code"] = getattr(detail, "code", None) or "error"
        wait = exc.wait if isinstance(exc, Throttled) else None  # type: ignore[attr-defined]  # DRF sets it; the stubs leave it out
        if wait is not None:
            response.data["retry_after"] = math.ceil(wait)
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


# Django's own error pages for the admin and pages, JSON for API clients.
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": gettext("Bad request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": gettext("Internal server error."), "code": "server_error"}, status=500)
    return defaults.server_error(request)
