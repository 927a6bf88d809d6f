"""The notices API: anyone sends a notice of illegal content about a comment
(POST /api/notices/), reads the legal grounds to choose from, and follows the notice
with the secret token given on receipt. Views are thin: moderation.dsa.notices holds
the rules."""

from typing import Any
from uuid import UUID

from django.utils import translation
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discussion.selectors import MAX_ID
from moderation.dsa.grounds import LEGAL_GROUNDS
from moderation.dsa.notices import (
    EMAIL_MAX_LENGTH,
    EXPLANATION_MAX_LENGTH,
    GROUND_OTHER_MAX_LENGTH,
    NAME_MAX_LENGTH,
    notice_appealable_until,
    notice_create,
    notice_find,
)
from moderation.models import Notice
from web.api_errors import (
    NOT_AUTHENTICATED,
    RETRY_AFTER,
    THROTTLED,
    TOO_LARGE,
    UNSUPPORTED,
    ErrorOutput,
    ForbiddenOutput,
    field_errors,
    validated,
)
from web.requests import request_language

# The choice sets of the schema's enums (settings.SPECTACULAR_SETTINGS names them).
LEGAL_GROUND_CODES = list(LEGAL_GROUNDS)
NOTICE_STATUSES = Notice.Status.values


class NoticeInput(serializers.Serializer):
    comment = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The comment's id.")
    legal_ground = serializers.ChoiceField(
        choices=LEGAL_GROUND_CODES, help_text="A code of GET /api/notices/grounds/."
    )
    legal_ground_other = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=GROUND_OTHER_MAX_LENGTH,
        help_text='The provision the comment breaks; required with the ground "other".',
    )
    explanation = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        max_length=EXPLANATION_MAX_LENGTH,
        help_text="Why the comment is illegal, 20–5000 characters.",
    )
    notifier_name = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=NAME_MAX_LENGTH,
        help_text="Required unless the ground allows anonymous notices.",
    )
    notifier_email = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=EMAIL_MAX_LENGTH,
        help_text="Required unless the ground allows anonymous notices; receipt and decision go there.",
    )
    good_faith = serializers.BooleanField(
        help_text="true: you believe the information and allegations in the notice are accurate and complete."
    )


class NoticeCreatedOutput(serializers.Serializer):
    reference = serializers.UUIDField()
    token = serializers.CharField(
        help_text="The secret to follow the notice (header X-Notice-Token); shown only now."
    )
    status = serializers.ChoiceField(choices=NOTICE_STATUSES)
    received_at = serializers.DateTimeField()
    comment = serializers.IntegerField()
    legal_ground = serializers.ChoiceField(choices=LEGAL_GROUND_CODES)
    receipt_sent = serializers.BooleanField(help_text="Whether the confirmation was mailed already.")


class NoticeConflictOutput(ErrorOutput):
    reference = serializers.UUIDField(help_text="The reference of your open notice.")


class NoticeOutput(serializers.Serializer):
    reference = serializers.UUIDField()
    status = serializers.ChoiceField(choices=NOTICE_STATUSES)
    received_at = serializers.DateTimeField()
    comment = serializers.IntegerField(allow_null=True)
    legal_ground = serializers.ChoiceField(choices=LEGAL_GROUND_CODES)
    decision = serializers.ChoiceField(
        choices=["removed", "no_action"], allow_null=True, help_text="null while the notice is open."
    )
    explanation = serializers.CharField(allow_blank=True, help_text="The moderator's reasons.")
    automated_means = serializers.BooleanField(
        allow_null=True, help_text="Whether automated means were used in processing it; null while open."
    )
    decided_at = serializers.DateTimeField(allow_null=True)
    appealable_until = serializers.DateTimeField(
        allow_null=True, help_text="Until when you may appeal a refusal; null when you cannot."
    )


class GroundOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=LEGAL_GROUND_CODES)
    label = serializers.CharField()  # type: ignore[assignment]  # a field; DRF moves it off the class
    anonymous_notice_allowed = serializers.BooleanField(
        help_text="Name and email may be left out (DSA Art. 16(2)(c))."
    )


class GroundsOutput(serializers.Serializer):
    results = GroundOutput(many=True)


NOTICE_ERRORS = list(NoticeInput().fields)

TOKEN_HEADER = OpenApiParameter(
    "X-Notice-Token",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The token given when the notice was sent.",
)
TOKEN_QUERY = OpenApiParameter(
    "token",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="The token, for a link; the header is preferred.",
)
# What the notifier is told of each decided state.
DECISIONS: dict[str, str] = {Notice.Status.ACTIONED: "removed", Notice.Status.REFUSED: "no_action"}
REFERENCE = OpenApiParameter("reference", OpenApiTypes.UUID, OpenApiParameter.PATH)


class NoticesApi(APIView):
    permission_classes = [AllowAny]
    throttle_scopes = {"POST": "notice"}

    @extend_schema(
        operation_id="notice_create",
        summary="Send a notice of illegal content about a comment (no account needed)",
        parameters=[RETRY_AFTER],
        request=NoticeInput,
        responses={
            201: NoticeCreatedOutput,
            401: NOT_AUTHENTICATED,
            400: field_errors("NoticeErrors", NOTICE_ERRORS),
            403: OpenApiResponse(
                ForbiddenOutput,
                description="Notices from this address are suspended for misuse (code `notices_suspended`, "
                "with `until`); or CSRF failed for a signed-in session.",
            ),
            409: OpenApiResponse(
                NoticeConflictOutput, description="You sent a notice about this comment that is still open."
            ),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(NoticeInput, request.data)
        notice, token = notice_create(
            comment_id=data["comment"],
            legal_ground=data["legal_ground"],
            legal_ground_other=data.get("legal_ground_other", ""),
            explanation=data["explanation"],
            notifier_name=data.get("notifier_name", ""),
            notifier_email=data.get("notifier_email", ""),
            good_faith=data["good_faith"],
            notifier=request.user,
            language=request_language(request),
        )
        response = Response(
            {
                "reference": notice.reference,
                "token": token,
                "status": notice.status,
                "received_at": notice.created_at,
                "comment": notice.comment_id,
                "legal_ground": notice.legal_ground,
                "receipt_sent": notice.receipt_sent_at is not None,
            },
            status=status.HTTP_201_CREATED,
        )
        patch_cache_control(response, private=True, no_store=True)
        return response


class NoticeGroundsApi(APIView):
    # A list for forms: whoever asks, with whatever credentials, gets it.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="notice_grounds",
        summary="The legal grounds a notice may cite, labelled in the request's language",
        responses={200: GroundsOutput},
    )
    def get(self, request: Request) -> Response:
        with translation.override(request_language(request)):
            results = [
                {
                    "code": ground.code,
                    "label": str(ground.label),
                    "anonymous_notice_allowed": ground.anonymous_notice_allowed,
                }
                for ground in LEGAL_GROUNDS.values()
            ]
        response = Response({"results": results})
        response["Vary"] = "Accept-Language"
        return response


class NoticeDetailApi(APIView):
    # The notice's token is the only credential; an account's is not looked at.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="notice_read",
        summary="Follow your notice: its state, the decision and whether you may appeal",
        parameters=[REFERENCE, TOKEN_HEADER, TOKEN_QUERY],
        responses={
            200: NoticeOutput,
            404: OpenApiResponse(ErrorOutput, description="No such notice, or not this token."),
        },
    )
    def get(self, request: Request, reference: UUID) -> Response:
        token = request.headers.get("X-Notice-Token") or request.query_params.get("token", "")
        notice = notice_find(reference=reference, token=token)
        open_ = notice.status == Notice.Status.OPEN
        body: dict[str, Any] = {
            "reference": notice.reference,
            "status": notice.status,
            "received_at": notice.created_at,
            "comment": notice.comment_id,
            "legal_ground": notice.legal_ground,
            "decision": DECISIONS.get(notice.status),
            "explanation": notice.decision_explanation,
            "automated_means": None if open_ else notice.automated_means,
            "decided_at": notice.decided_at,
            "appealable_until": notice_appealable_until(notice),
        }
        response = Response(body)
        patch_cache_control(response, private=True, no_store=True)
        return response
