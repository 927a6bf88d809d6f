"""``POST /v1alpha1/comments:analyze`` and ``comments:suggestscore``: Perspective's
methods, at Perspective's paths, so that a client only changes its base URL. The
key comes as ``?key=`` (or Google's ``X-Goog-Api-Key`` header), not as a user's
token: no session, no CSRF, no user throttles; the key's own rate applies. Every
answer, refusals included, is in Perspective's shape (errors.py)."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.perspective.errors import PerspectiveError, invalid
from moderation.perspective.keys import key_check
from moderation.perspective.requests import MAX_TOKEN_LENGTH, analyze_request, parse_json, suggest_request
from moderation.perspective.services import comment_analyze, score_suggest

# Perspective's enums, of which only one value is served.
TEXT_TYPES = ["PLAIN_TEXT"]
SCORE_TYPES = ["PROBABILITY"]

# --- The shapes, for the schema (the views read the bodies in requests.py) ---------


class TextEntrySerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    type = serializers.ChoiceField(choices=TEXT_TYPES, required=False)


class CommentSerializer(TextEntrySerializer):
    text = serializers.CharField(trim_whitespace=False, help_text="At most 20 KB of UTF-8.")


class ArticleAndParentCommentSerializer(serializers.Serializer):
    article = TextEntrySerializer(required=False)
    parentComment = TextEntrySerializer(required=False)


class ContextSerializer(serializers.Serializer):
    entries = serializers.ListField(child=TextEntrySerializer(), required=False)
    articleAndParentComment = ArticleAndParentCommentSerializer(
        required=False, help_text="Either this or entries, not both."
    )


class AttributeParametersSerializer(serializers.Serializer):
    scoreType = serializers.ChoiceField(choices=SCORE_TYPES, required=False)
    scoreThreshold = serializers.FloatField(min_value=0, max_value=1, required=False)


def with_context(fields: dict[str, serializers.Field]) -> dict[str, serializers.Field]:
    """The fields and ``context``: a name a serializer cannot declare as an attribute,
    which DRF keeps for the serializer's own context."""
    fields["context"] = ContextSerializer(
        required=False, help_text="Checked and not used, as by Perspective."
    )
    return fields


def _token(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TOKEN_LENGTH,
        trim_whitespace=False,
        help_text=help_text,
    )


class AnalyzeCommentRequestSerializer(serializers.Serializer):
    comment = CommentSerializer()
    requestedAttributes = serializers.DictField(
        child=AttributeParametersSerializer(),
        help_text="TOXICITY, INSULT or PROFANITY (docs/perspective.md); {} takes the defaults.",
    )
    languages = serializers.ListField(child=serializers.CharField(max_length=35), required=False)
    spanAnnotations = serializers.BooleanField(required=False)
    doNotStore = serializers.BooleanField(required=False)
    clientToken = _token("Echoed in the answer.")
    sessionId = _token("Accepted and not used.")
    communityId = _token("Accepted and not used.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return with_context(super().get_fields())


class ScoreSerializer(serializers.Serializer):
    value = serializers.FloatField(min_value=0, max_value=1)
    type = serializers.ChoiceField(choices=SCORE_TYPES)


class SpanScoreSerializer(serializers.Serializer):
    begin = serializers.IntegerField(help_text="In UTF-16 code units.")
    end = serializers.IntegerField(help_text="In UTF-16 code units, exclusive.")
    score = ScoreSerializer()


class AttributeScoresSerializer(serializers.Serializer):
    summaryScore = ScoreSerializer()
    spanScores = SpanScoreSerializer(many=True, required=False)


class AnalyzeCommentResponseSerializer(serializers.Serializer):
    attributeScores = serializers.DictField(child=AttributeScoresSerializer())
    languages = serializers.ListField(child=serializers.CharField(allow_blank=True))
    detectedLanguages = serializers.ListField(child=serializers.CharField())
    clientToken = serializers.CharField(required=False, allow_blank=True)


class SuggestedScoreSerializer(serializers.Serializer):
    value = serializers.FloatField(min_value=0, max_value=1)
    type = serializers.ChoiceField(choices=SCORE_TYPES, required=False)


class SuggestedAttributeSerializer(serializers.Serializer):
    summaryScore = SuggestedScoreSerializer()


class SuggestCommentScoreRequestSerializer(serializers.Serializer):
    comment = CommentSerializer()
    attributeScores = serializers.DictField(
        child=SuggestedAttributeSerializer(),
        help_text="TOXICITY (or, without it, INSULT) at 0.5 or more labels the comment offensive.",
    )
    languages = serializers.ListField(child=serializers.CharField(max_length=35), required=False)
    communityId = _token("Kept with the label.")
    clientToken = _token("Kept with the label and echoed.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return with_context(super().get_fields())


class SuggestCommentScoreResponseSerializer(serializers.Serializer):
    clientToken = serializers.CharField(required=False, allow_blank=True)


class GoogleErrorBodySerializer(serializers.Serializer):
    code = serializers.IntegerField()
    message = serializers.CharField()
    status = serializers.CharField()
    details = serializers.ListField(child=serializers.DictField())


class GoogleErrorSerializer(serializers.Serializer):
    error = GoogleErrorBodySerializer()


KEY_PARAMETER = OpenApiParameter(
    "key",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="The client's API key (or the X-Goog-Api-Key header); made in the admin.",
)
ERRORS: dict[int | str, Any] = {code: GoogleErrorSerializer for code in (400, 401, 403, 429, 503)}


class _PerspectiveApi(APIView):
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def answer(self, request: Request, method: Any) -> Response:
        key = request.query_params.get("key") or request.headers.get("X-Goog-Api-Key")
        try:
            row = key_check(key)
            try:
                raw = request.body
            except (RequestDataTooBig, RawPostDataException) as exc:
                raise invalid("COMMENT_TOO_LONG", "The request is too large.") from exc
            return Response(method(row, parse_json(raw)))
        except PerspectiveError as error:
            headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
            return Response(error.envelope(), status=error.code, headers=headers)


class AnalyzeCommentApi(_PerspectiveApi):
    @extend_schema(
        operation_id="perspective_comments_analyze",
        summary="Score a comment as Perspective's comments:analyze does",
        parameters=[KEY_PARAMETER],
        request=AnalyzeCommentRequestSerializer,
        responses={200: AnalyzeCommentResponseSerializer, **ERRORS},
        auth=[],
        tags=["perspective"],
    )
    def post(self, request: Request) -> Response:
        return self.answer(request, lambda row, body: comment_analyze(analyze_request(body)))


class SuggestCommentScoreApi(_PerspectiveApi):
    @extend_schema(
        operation_id="perspective_comments_suggestscore",
        summary="Send a moderator's label of a comment, as to Perspective's comments:suggestscore",
        parameters=[KEY_PARAMETER],
        request=SuggestCommentScoreRequestSerializer,
        responses={200: SuggestCommentScoreResponseSerializer, **ERRORS},
        auth=[],
        tags=["perspective"],
    )
    def post(self, request: Request) -> Response:
        return self.answer(request, lambda row, body: score_suggest(row, suggest_request(body)))
