"""The decisions a reader is told about, and appeals against them:

- ``GET /api/me/decisions/``: the statements of reasons about the signed-in reader's
  comments and account, newest first, with the redress open to them;
- ``POST /api/me/decisions/{id}/appeal/``: the reader appeals against one;
- ``POST /api/notices/{reference}/appeal/``: a notifier, with the secret their
  notice's receipt gave them, appeals against a notice that led to no action.

Texts are in the language the request asks for (Accept-Language), German by default.
"""

from typing import Any
from uuid import UUID

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.dsa.appeals import appeal_by_author, appeal_by_notifier
from moderation.dsa.explain import appeal_explained, statement_explained
from moderation.dsa.notice_api import REFERENCE, TOKEN_HEADER
from moderation.dsa.notices import notice_find
from moderation.models import Appeal, StatementOfReasons
from moderation.policy.rules import site_policy
from web.api_errors import (
    CONFLICT,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    THROTTLED,
    TOO_LARGE,
    UNSUPPORTED,
    field_errors,
    validated,
)
from web.requests import AuthenticatedRequest, request_language

MAX_DECISIONS = 200


class RedressOutput(serializers.Serializer):
    appealable_until = serializers.DateTimeField(
        allow_null=True, help_text="Until when you may appeal; null when you cannot (any longer)."
    )
    text = serializers.CharField(help_text="The ways to challenge the decision, in words.")
    out_of_court_url = serializers.CharField()
    netiquette_url = serializers.CharField()


class AppealOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Appeal.Status.values)
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    explanation = serializers.CharField(allow_blank=True, help_text="The reasons of the appeal's outcome.")


class StatementOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The decision's id, as reported to the EU Transparency Database.")
    restriction = serializers.ChoiceField(choices=StatementOfReasons.Restriction.values)
    restriction_text = serializers.CharField()
    comment = serializers.IntegerField(
        allow_null=True, help_text="The comment restricted; null for the account."
    )
    article = serializers.SlugField(allow_null=True, help_text="The article of the comment.")
    comment_revision = serializers.IntegerField(allow_null=True)
    ground = serializers.ChoiceField(choices=StatementOfReasons.Ground.values)
    legal_ground = serializers.CharField(
        allow_null=True, help_text="The provision of law, for illegal content."
    )
    terms_ground = serializers.CharField(help_text="The rule of the Netiquette broken.")
    terms_ground_text = serializers.CharField(help_text="That rule's name, in your language.")
    ground_text = serializers.CharField()
    explanation = serializers.CharField(allow_blank=True, help_text="The moderator's own words.")
    facts = serializers.CharField(help_text="How the content was found and decided.")
    source = serializers.ChoiceField(choices=StatementOfReasons.Source.values)  # type: ignore[assignment]  # a field; DRF moves it off the class
    automated_detection = serializers.BooleanField()
    automated_decision = serializers.ChoiceField(choices=StatementOfReasons.Automation.values)
    decided_at = serializers.DateTimeField()
    end_date = serializers.DateTimeField(allow_null=True, help_text="When a suspension ends.")
    revoked_at = serializers.DateTimeField(allow_null=True, help_text="When an appeal reversed it.")
    appeal = AppealOutput(allow_null=True)
    redress = RedressOutput()


class AppealInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="Why the decision should be changed.")


def _explained(statements: Any) -> list[dict[str, Any]]:
    appeals_enabled = site_policy().appeals_enabled
    return [statement_explained(statement, appeals_enabled=appeals_enabled) for statement in statements]


class MeDecisionsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_decisions",
        summary="The decisions restricting your comments or account, with their reasons",
        responses={200: StatementOutput(many=True), 401: NOT_AUTHENTICATED},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        statements = (
            StatementOfReasons.objects.filter(reader=request.user)
            .select_related("comment__article")
            .prefetch_related("appeals")
            .order_by("-created_at", "-id")[:MAX_DECISIONS]
        )
        with translation.override(request_language(request)):
            return Response(StatementOutput(_explained(statements), many=True).data)


DECISION_ID = OpenApiParameter("statement_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class MeDecisionAppealApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scopes = {"POST": "appeal"}

    @extend_schema(
        operation_id="me_decision_appeal",
        summary="Appeal against a decision about your comment or account (free, within six months)",
        parameters=[DECISION_ID],
        request=AppealInput,
        responses={
            201: AppealOutput,
            400: field_errors("AppealErrors", ["text"]),
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
            409: CONFLICT,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: AuthenticatedRequest, statement_id: UUID) -> Response:
        data = validated(AppealInput, request.data)
        appeal = appeal_by_author(
            statement_puid=statement_id,
            user=request.user,
            text=data["text"],
            language=request_language(request),
        )
        return Response(AppealOutput(appeal_explained(appeal)).data, status=201)


class NoticeAppealApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scopes = {"POST": "appeal"}

    @extend_schema(
        operation_id="notice_appeal",
        summary="Appeal, as its notifier, against a notice that led to no action",
        parameters=[REFERENCE, TOKEN_HEADER],
        request=AppealInput,
        responses={
            201: AppealOutput,
            400: field_errors("NoticeAppealErrors", ["text"]),
            404: NOT_FOUND,
            409: CONFLICT,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, reference: UUID) -> Response:
        notice = notice_find(reference=reference, token=request.headers.get("X-Notice-Token", ""))
        data = validated(AppealInput, request.data)
        appeal = appeal_by_notifier(notice=notice, text=data["text"], language=request_language(request))
        return Response(AppealOutput(appeal_explained(appeal)).data, status=201)
