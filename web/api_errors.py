"""The shapes of the API's error answers, for the OpenAPI schema.

Every error is ``{"detail", "code"}`` (with more facts for some codes) or, for bad
input, field errors ``{"<field>": ["message", …]}``; see web/errors.py.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs, e.g. `not_found`.")


class ForbiddenOutput(ErrorOutput):
    reason = serializers.CharField(
        required=False, help_text="Why the reader may not write (codes `banned` and `suspended`)."
    )
    until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When a suspension ends (code `suspended`)."
    )


class ThrottledOutput(ErrorOutput):
    retry_after = serializers.IntegerField(help_text="Seconds to wait; also in the Retry-After header.")


def field_errors(name: str, fields: list[str]) -> OpenApiResponse:
    """A 400 answer: messages per named input field, or a detail for unparsable bodies."""
    shape: dict[str, serializers.Field] = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in [*fields, "non_field_errors"]
    }
    shape["detail"] = serializers.CharField(required=False)
    shape["code"] = serializers.CharField(required=False)
    return OpenApiResponse(
        inline_serializer(name, shape),
        description="Invalid input: messages per field, or `detail` when the body is not JSON.",
    )


NOT_AUTHENTICATED = OpenApiResponse(ErrorOutput, description="No or invalid credentials.")
FORBIDDEN = OpenApiResponse(
    ForbiddenOutput,
    description="Not allowed: not your comment, comments closed, edit window closed, CSRF failed, "
    "or the reader is banned or suspended (then with `reason` and `until`).",
)
NOT_FOUND = OpenApiResponse(ErrorOutput, description="No such article or comment, or not visible to you.")
CONFLICT = OpenApiResponse(ErrorOutput, description="The request conflicts with the comment's state.")
TOO_LARGE = OpenApiResponse(ErrorOutput, description="The request body is too large.")
UNSUPPORTED = OpenApiResponse(ErrorOutput, description="The body is not `application/json`.")
THROTTLED = OpenApiResponse(
    ThrottledOutput, description="Too many requests; retry after `retry_after` seconds (Retry-After header)."
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the throttle lets the next request through.",
)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The input checked by ``serializer_class``; a 400 with field errors otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
