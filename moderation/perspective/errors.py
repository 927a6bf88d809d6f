"""Errors as Perspective gives them: Google's error envelope with the
``google.commentanalyzer.v1alpha1.Error`` detail that names the ``errorType``, or,
for the key and the quota, Google's ``google.rpc.ErrorInfo`` detail."""

from typing import Any

# The HTTP status of each of Google's status names used here.
HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE": 503,
}
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


class PerspectiveError(Exception):
    """A refused request: the Google status, the message and its one detail."""

    def __init__(self, status: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
        self.retry_after: int | None = None

    @property
    def code(self) -> int:
        return HTTP_STATUS[self.status]

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        error["details"] = [self.detail] if self.detail else []
        return {"error": error}


def invalid(error_type: str, message: str, **extra: Any) -> PerspectiveError:
    """A 400 with one of Perspective's error types (COMMENT_EMPTY, COMMENT_TOO_LONG,
    NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, INVALID_REQUEST)."""
    return PerspectiveError(
        "INVALID_ARGUMENT", message, {"@type": ERROR_TYPE, "errorType": error_type, **extra}
    )


def refused(status: str, message: str, reason: str) -> PerspectiveError:
    """A refusal about the key, its quota or the service, with Google's ErrorInfo."""
    return PerspectiveError(status, message, {"@type": ERROR_INFO, "reason": reason, "domain": "stammtisch"})
