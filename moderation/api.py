"""The moderation API for a newsroom's own tools: staff only, and every action
audited exactly as in the admin (the same services)."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import reader_get
from articles.selectors import article_get
from discussion.models import Comment
from discussion.selectors import comment_author_get
from moderation.decisions import (
    Action,
    ReaderAction,
    RejectReason,
    comment_decide,
    comment_feature,
    reader_moderate,
)
from moderation.dsa.grounds import LEGAL_GROUNDS
from moderation.models import AuditEntry, ModelVersion
from moderation.permissions import MODERATE
from moderation.selectors import QUEUES, queue_comments, queue_details
from moderation.services import text_analyze
from web.api_errors import (
    CONFLICT,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    TOO_LARGE,
    UNSUPPORTED,
    ErrorOutput,
    field_errors,
    validated,
)
from web.permissions import SecondFactorWhereItApplies
from web.requests import AuthenticatedRequest


class IsModerator(SecondFactorWhereItApplies):
    """Staff with the moderation permission (the Moderators group, or a superuser),
    with the second factor where one applies."""

    def allowed(self, request: Request, user: Any) -> bool:
        return bool(user.is_staff and user.has_perm(MODERATE))


class QueueQueryInput(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)


class QueueItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.CharField(help_text="The article's slug.")
    author = serializers.CharField(allow_null=True)
    author_record = serializers.DictField(allow_null=True, help_text="approved, rejected, account_age_days")
    body = serializers.CharField()
    status = serializers.CharField()
    revision = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    priority = serializers.FloatField()
    waiting_since = serializers.DateTimeField()
    rules = serializers.ListField(child=serializers.CharField())
    explanation = serializers.ListField(child=serializers.DictField())
    word_hits = serializers.ListField(child=serializers.DictField())
    reports = serializers.DictField(child=serializers.IntegerField(), help_text="Open reports by reason.")
    url = serializers.CharField(
        help_text="Where readers see the comment: the article on the newsroom's site (else this "
        "service's article page) at `#comment-<id>`."
    )


class QueueOutput(serializers.Serializer):
    queue = serializers.CharField()
    count = serializers.IntegerField()
    results = QueueItemOutput(many=True)


def _queue_item(request: Request, comment: Any, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "article": comment.article.slug,
        "author": comment.author.get_username() if comment.author else None,
        "author_record": details["author"],
        "body": comment.body,
        "status": comment.status,
        "revision": comment.revision,
        "score": comment.score,
        "priority": round(comment.priority, 4),
        "waiting_since": comment.status_changed_at,
        "rules": details["rules"],
        "explanation": details["explanation"],
        "word_hits": details["word_hits"],
        "reports": details["reports"],
        "url": request.build_absolute_uri(details["thread_url"]),
    }


class QueueApi(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_queue_read",
        summary="A moderation queue in priority order, with the reasons for each comment",
        parameters=[
            OpenApiParameter("queue", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(QUEUES)),
            QueueQueryInput,
        ],
        responses={
            200: QueueOutput,
            400: field_errors("QueueQueryErrors", ["limit", "offset"]),
            401: NOT_AUTHENTICATED,
            403: ErrorOutput,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, queue: str) -> Response:
        comments_in_queue = queue_comments(queue)
        query = validated(QueueQueryInput, request.query_params.dict())
        page = list(comments_in_queue[query["offset"] : query["offset"] + query["limit"]])
        details = queue_details([comment.pk for comment in page])
        results = [_queue_item(request, comment, details[comment.pk]) for comment in page]
        return Response(
            QueueOutput({"queue": queue, "count": comments_in_queue.count(), "results": results}).data
        )


class DecisionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    reason = serializers.ChoiceField(
        choices=RejectReason.choices,
        required=False,
        allow_blank=True,
        help_text="The rule broken, when a comment is rejected or removed; without one, other. Only insult, "
        "threat, hate and profanity teach the model that the text is offensive.",
    )
    legal_ground = serializers.ChoiceField(
        choices=list(LEGAL_GROUNDS),
        required=False,
        allow_blank=True,
        help_text="When rejecting or removing illegal content: the provision of law (DSA Art. 17(3)(d)); "
        "the author's statement of reasons names it.",
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="When rejecting or removing: your words for the author, in their statement of reasons.",
    )
    manifestly_illegal = serializers.BooleanField(
        required=False, default=False, help_text="Evidently illegal (counts for misuse); needs legal_ground."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="For moderators only."
    )
    expected_status = serializers.ChoiceField(
        choices=["pending", "published", "held", "rejected", "removed"],
        required=False,
        help_text="The status you saw; the decision applies only if the comment is still in it.",
    )
    revision = serializers.IntegerField(
        required=False,  # required to approve
        min_value=1,
        max_value=2**31 - 1,
        help_text="The revision of the text you judged; the decision applies only to that text.",
    )


class AuditEntryOutput(serializers.ModelSerializer):
    moderator: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    model_version: "serializers.SlugRelatedField[ModelVersion]" = serializers.SlugRelatedField(
        slug_field="version", read_only=True, allow_null=True
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "comment",
            "comment_revision",
            "actor",
            "moderator",
            "model_version",
            "from_status",
            "to_status",
            "reason",
            "score",
            "details",
            "created_at",
        ]


class DecisionApi(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_decide",
        summary="Approve, reject (with a reason), remove or restore a comment, add a note, or (un)feature it",
        parameters=[OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=DecisionInput,
        responses={
            200: AuditEntryOutput,
            400: field_errors(
                "DecisionErrors",
                [
                    "action",
                    "reason",
                    "legal_ground",
                    "explanation",
                    "manifestly_illegal",
                    "note",
                    "expected_status",
                    "revision",
                ],
            ),
            401: NOT_AUTHENTICATED,
            403: ErrorOutput,
            404: NOT_FOUND,
            409: CONFLICT,
            413: TOO_LARGE,
            415: UNSUPPORTED,
        },
    )
    def post(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        data = validated(DecisionInput, request.data)
        entry = comment_decide(
            comment_id=comment_id,
            moderator=request.user,
            action=data["action"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            expected_status=data.get("expected_status"),
            expected_revision=data.get("revision"),
            legal_ground=data.get("legal_ground", ""),
            explanation=data.get("explanation", ""),
            manifestly_illegal=data["manifestly_illegal"],
        )
        return Response(AuditEntryOutput(entry).data)


class FeatureOutput(serializers.Serializer):
    comment = serializers.IntegerField()
    featured = serializers.BooleanField(help_text="Whether the comment is an editors' pick now.")
    featured_at = serializers.DateTimeField(allow_null=True)
    changed = serializers.BooleanField(
        help_text="False when it already was (or was not) a pick: nothing changed, nothing was audited."
    )


def _feature_answer(comment_id: int, *, changed: bool) -> Response:
    featured_at = Comment.objects.filter(pk=comment_id).values_list("featured_at", flat=True).first()
    return Response(
        FeatureOutput(
            {
                "comment": comment_id,
                "featured": featured_at is not None,
                "featured_at": featured_at,
                "changed": changed,
            }
        ).data
    )


FEATURE_ERRORS = {
    401: NOT_AUTHENTICATED,
    403: ErrorOutput,
    404: NOT_FOUND,
}


class FeatureApi(APIView):
    """Editors' picks ("Redaktionsempfehlungen"): the thread lists them with
    ``?featured=true``. Both methods are idempotent."""

    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_feature",
        summary="Make a published comment an editors' pick",
        parameters=[OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={200: FeatureOutput, **FEATURE_ERRORS, 409: CONFLICT},
    )
    def post(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        entry = comment_feature(comment_id=comment_id, moderator=request.user, featured=True)
        return _feature_answer(comment_id, changed=entry is not None)

    @extend_schema(
        operation_id="moderation_unfeature",
        summary="Take a comment out of the editors' picks",
        parameters=[OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: FeatureOutput, **FEATURE_ERRORS},
    )
    def delete(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        entry = comment_feature(comment_id=comment_id, moderator=request.user, featured=False)
        return _feature_answer(comment_id, changed=entry is not None)


class AnalyzeInput(serializers.Serializer):
    text = serializers.CharField(max_length=20_000, trim_whitespace=False)
    article = serializers.SlugField(required=False, help_text="Judge under this article's policy.")


class AnalyzeOutput(serializers.Serializer):
    score = serializers.FloatField()
    model_version = serializers.CharField()
    explanation = serializers.ListField(child=serializers.DictField())
    word_hits = serializers.ListField(child=serializers.DictField())
    rules = serializers.ListField(child=serializers.CharField())
    decision = serializers.DictField(help_text="status and reason the policy would give a new comment.")


class AnalyzeApi(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_analyze",
        summary="Score and explain a text and say what the policy would do; nothing is stored",
        request=AnalyzeInput,
        responses={
            200: AnalyzeOutput,
            400: field_errors("AnalyzeErrors", ["text", "article"]),
            401: NOT_AUTHENTICATED,
            403: ErrorOutput,
            404: NOT_FOUND,
            503: ErrorOutput,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(AnalyzeInput, request.data)
        article_id = article_get(slug=data["article"]).pk if data.get("article") else None
        analysis = text_analyze(text=data["text"], article_id=article_id)
        return Response(AnalyzeOutput(analysis).data)


class ReaderActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=ReaderAction.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)
    until = serializers.DateTimeField(required=False, allow_null=True)


class ReaderActionOutput(serializers.Serializer):
    reader = serializers.CharField()
    action = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    until = serializers.DateTimeField(allow_null=True)


class ReaderApi(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_reader_restrict",
        summary="Suspend (until a date), ban, lift, or (stop) pre-moderate a reader",
        parameters=[OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=ReaderActionInput,
        responses={
            200: ReaderActionOutput,
            400: field_errors("ReaderActionErrors", ["action", "reason", "until"]),
            401: NOT_AUTHENTICATED,
            403: ErrorOutput,
            404: NOT_FOUND,
        },
    )
    def post(self, request: AuthenticatedRequest, username: str) -> Response:
        return _reader_restrict(request, reader_get(username=username))


def _reader_restrict(request: AuthenticatedRequest, reader: User) -> Response:
    """The action the request asks for, on this reader; the answer both reader
    endpoints give."""
    data = validated(ReaderActionInput, request.data)
    entry = reader_moderate(
        reader=reader,
        moderator=request.user,
        action=data["action"],
        reason=data.get("reason", ""),
        until=data.get("until"),
    )
    return Response(
        {
            "reader": reader.get_username(),
            "action": entry.action,
            "reason": entry.reason,
            "until": entry.until,
        }
    )


class CommentAuthorApi(APIView):
    """ReaderApi for the author of a comment: the thread shows display names, not
    usernames, so a moderator acting from the thread names the comment instead."""

    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_comment_author_restrict",
        summary="Suspend, ban, lift or (stop) pre-moderate the author of a comment",
        parameters=[OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=ReaderActionInput,
        responses={
            200: ReaderActionOutput,
            400: field_errors("CommentAuthorActionErrors", ["action", "reason", "until"]),
            401: NOT_AUTHENTICATED,
            403: ErrorOutput,
            404: NOT_FOUND,
        },
    )
    def post(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        return _reader_restrict(request, comment_author_get(comment_id=comment_id))
