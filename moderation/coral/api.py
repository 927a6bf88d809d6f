"""``POST /api/coral/phase/``: the endpoint a Coral Talk installation calls as its
external moderation phase. The caller is Coral, known by the signature of the raw
body (signatures.py), not a user: no session, no CSRF, no user throttles. Coral
waits 200 ms by default and skips the phase on any answer but 2xx, so every
refusal is quick and the comment then goes on through Coral's own pipeline."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.coral.services import phase_decide
from moderation.coral.signatures import (
    HEADER,
    WEBHOOK_ID,
    WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP,
    request_signer,
    webhook_id_release,
)
from web.api_errors import TOO_LARGE, UNSUPPORTED, ErrorOutput, validated

# Coral's ids are UUIDs; the bound keeps anything else small.
MAX_ID_LENGTH = 255
ACTIONS = ["NEW", "EDIT"]
ROLES = ["COMMENTER", "MEMBER", "STAFF", "MODERATOR", "ADMIN"]
STATUSES = ["APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"]


def _id(**options: Any) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_ID_LENGTH, **options)


class PhaseCommentSerializer(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="HTML or plain text, as the phase's format says."
    )
    parentID = _id(required=False, allow_null=True, help_text="null for a top-level comment.")


class PhaseAuthorSerializer(serializers.Serializer):
    id = _id()
    role = serializers.ChoiceField(choices=ROLES)


class PhaseStorySerializer(serializers.Serializer):
    id = _id()
    url = serializers.CharField(max_length=2000)


class PhaseSiteSerializer(serializers.Serializer):
    id = _id()


class PhaseRequestSerializer(serializers.Serializer):
    """Coral's ExternalModerationRequest."""

    action = serializers.ChoiceField(choices=ACTIONS)
    comment = PhaseCommentSerializer()
    author = PhaseAuthorSerializer()
    story = PhaseStorySerializer()
    site = PhaseSiteSerializer()
    tenantID = _id()
    tenantDomain = _id()


class PhaseActionSerializer(serializers.Serializer):
    actionType = serializers.ChoiceField(choices=["FLAG"])
    reason = serializers.ChoiceField(choices=["COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"])


class RejectionReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="One of Coral's REJECTION_REASON_CODE values: OFFENSIVE.")
    detailedExplanation = serializers.CharField()


class ModerationActionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["REJECTED"])
    rejectionReason = RejectionReasonSerializer()


class PhaseResponseSerializer(serializers.Serializer):
    """Coral's ExternalModerationResponse."""

    status = serializers.ChoiceField(choices=STATUSES)
    actions = PhaseActionSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField(), help_text="Always empty.")
    moderationAction = ModerationActionSerializer(required=False, help_text="With REJECTED.")


def _nested_errors(fields: list[str]) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=f"Messages per field: {', '.join(fields)} (or non_field_errors).",
    )


PHASE_ERRORS = inline_serializer(
    "CoralPhaseErrors",
    {
        "action": serializers.ListField(child=serializers.CharField(), required=False),
        "comment": _nested_errors(["body", "parentID"]),
        "author": _nested_errors(["id", "role"]),
        "story": _nested_errors(["id", "url"]),
        "site": _nested_errors(["id"]),
        "tenantID": serializers.ListField(child=serializers.CharField(), required=False),
        "tenantDomain": serializers.ListField(child=serializers.CharField(), required=False),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "detail": serializers.CharField(required=False),
        "code": serializers.CharField(required=False),
    },
)


class CoralPhaseApi(APIView):
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    @extend_schema(
        operation_id="coral_moderation_phase",
        summary="Coral Talk's external moderation phase: the site policy's verdict on a comment",
        description="Coral posts every new or edited comment, signed with the phase's secret. docs/coral.md.",
        parameters=[
            OpenApiParameter(
                HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="sha256=<hex HMAC-SHA256 of the raw body>[,sha256=<hex>…], one for each of "
                "Coral's active secrets.",
            ),
            *(
                OpenApiParameter(name, str, OpenApiParameter.HEADER, required=False, description=description)
                for name, description in (
                    (WEBHOOK_ID, "Standard Webhooks: the message id, accepted once."),
                    (
                        WEBHOOK_TIMESTAMP,
                        "Standard Webhooks: Unix seconds, within five minutes of the server's.",
                    ),
                    (
                        WEBHOOK_SIGNATURE,
                        "Standard Webhooks: v1,<base64 HMAC-SHA256 of id.timestamp.body>, instead of "
                        "X-Coral-Signature.",
                    ),
                )
            ),
        ],
        request=PhaseRequestSerializer,
        responses={
            200: PhaseResponseSerializer,
            204: OpenApiResponse(description="No opinion: Coral's pipeline goes on."),
            400: OpenApiResponse(PHASE_ERRORS, description="Malformed JSON or a missing or wrong field."),
            401: OpenApiResponse(ErrorOutput, description="Not signed."),
            403: OpenApiResponse(ErrorOutput, description="Signed with no active secret, or out of time."),
            409: OpenApiResponse(ErrorOutput, description="A webhook-id accepted before: a replay."),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            503: OpenApiResponse(ErrorOutput, description="No usable model: Coral skips the phase."),
        },
        auth=[],
        tags=["coral"],
    )
    def post(self, request: Request) -> Response:
        secret = request_signer(request.body, request.headers)
        try:
            data = validated(PhaseRequestSerializer, request.data)
            answer = phase_decide(request=data, secret=secret)
        except Exception:
            webhook_id_release(request.headers)
            raise
        if answer.body is None:
            return Response(status=204)
        return Response(PhaseResponseSerializer(answer.body).data)
