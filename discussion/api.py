"""The readers' discussion API. Views are thin: validate input, call one service or
selector, shape the output. The thread is built from rows by the selector; DRF
serializers describe its shape for the schema only, and
tests/discussion/test_output_schema.py holds the two to the same fields."""

from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from articles.models import Article
from articles.selectors import article_get
from discussion.models import Comment, Report
from discussion.selectors import (
    MAX_ID,
    SORTS,
    comment_author_badges,
    comment_author_name,
    comment_editable_until,
    comment_get,
    comment_replies,
    comment_statement_for_author,
    comments_of_author,
    featured_page,
    status_shown,
    thread_page,
)
from discussion.services import (
    REPORT_NOTE_MAX_LENGTH,
    comment_create,
    comment_delete,
    comment_edit,
    reaction_add,
    reaction_remove,
    report_create,
)
from web.api_errors import (
    CONFLICT,
    FORBIDDEN,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    RETRY_AFTER,
    THROTTLED,
    TOO_LARGE,
    UNSUPPORTED,
    field_errors,
    validated,
)
from web.requests import AuthenticatedRequest, request_language

# --- Output shapes --------------------------------------------------------

AUTHOR_BADGES = (
    "STAFF for the site's own staff (the newsroom); the role STAFF, MODERATOR or ADMIN the "
    "publisher's sign-in (SSO) gave the author, then the publisher's badges. Empty for other authors."
)


class CommentOutput(serializers.ModelSerializer):
    article: "serializers.SlugRelatedField[Article]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    author = serializers.SerializerMethodField(help_text="Display name, else username; null if deleted.")
    author_badges = serializers.SerializerMethodField(help_text=AUTHOR_BADGES)
    status = serializers.SerializerMethodField(
        help_text="`published`, or for your own comments `pending` (also while held) or `rejected`."
    )
    editable_until = serializers.SerializerMethodField(
        help_text="For your own comments: until when you may edit it; null otherwise."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "article",
            "parent",
            "depth",
            "author",
            "author_badges",
            "body",
            "status",
            "revision",
            "created_at",
            "edited_at",
            "like_count",
            "editable_until",
        ]

    def get_author(self, comment: Comment) -> str | None:
        return comment_author_name(comment=comment)

    def get_author_badges(self, comment: Comment) -> list[str]:
        return comment_author_badges(comment=comment)

    def get_status(self, comment: Comment) -> str:
        return status_shown(comment.status)

    def get_editable_until(self, comment: Comment) -> datetime | None:
        user = self.context.get("user")
        # An anonymous reader's pk is None, as is the author of a deleted account's comment.
        if user is None or not user.is_authenticated or comment.author_id != user.pk:
            return None
        return comment_editable_until(comment=comment)


class CommentDetailOutput(CommentOutput):
    statement = serializers.SerializerMethodField(
        help_text="For your own comment, the decision restricting it with its reasons and the redress "
        "open to you (as in `GET /api/me/decisions/`); null otherwise."
    )

    rejection_reason = serializers.SerializerMethodField(
        help_text="For your own rejected comment: the rule it broke, as `code` (insult, threat, hate, "
        "profanity, spam, off_topic, duplicate, model, other, …) and `label` in your language; null "
        "otherwise, and always null for others' comments."
    )

    class Meta(CommentOutput.Meta):
        fields = [*CommentOutput.Meta.fields, "statement", "rejection_reason"]

    def _statement(self, comment: Comment) -> dict[str, Any] | None:
        # Both fields come from the one statement: read once per comment.
        cache: dict[int, dict[str, Any] | None] = self.context.setdefault("statements", {})
        if comment.pk not in cache:
            user = self.context.get("user")
            own = user is not None and comment.author_id is not None and comment.author_id == user.pk
            cache[comment.pk] = None
            if user is not None and own:
                cache[comment.pk] = comment_statement_for_author(comment_id=comment.pk, user=user)
        return cache[comment.pk]

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_statement(self, comment: Comment) -> dict[str, Any] | None:
        return self._statement(comment)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
            "required": ["code", "label"],
        }
    )
    def get_rejection_reason(self, comment: Comment) -> dict[str, str] | None:
        statement = self._statement(comment) if comment.status == Comment.Status.REJECTED else None
        if statement is None or statement.get("restriction") != Comment.Status.REJECTED:
            return None
        return {"code": statement["terms_ground"], "label": statement["terms_ground_text"]}


class ThreadNodeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True, help_text="The comment replied to.")  # type: ignore[assignment]  # a field; DRF moves it off the class
    depth = serializers.IntegerField(help_text="0 for a top-level comment.")
    removed = serializers.BooleanField(
        help_text="A placeholder for a comment no longer shown that has replies, or whose reader "
        "deleted their account: no author, no body."
    )
    author = serializers.CharField(allow_null=True)
    author_badges = serializers.ListField(child=serializers.CharField(), help_text=AUTHOR_BADGES)
    body = serializers.CharField(allow_null=True, help_text="Plain text as written; never HTML.")
    created_at = serializers.DateTimeField()
    edited = serializers.BooleanField()
    like_count = serializers.IntegerField()
    liked = serializers.BooleanField(help_text="Whether you like it (false when not signed in).")
    reply_count = serializers.IntegerField(help_text="Published replies below it, at any depth.")
    featured = serializers.BooleanField(
        help_text="An editors' pick (Redaktionsempfehlung); only published comments are."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # The node contains nodes: a field of its own class cannot be declared in the
        # class body, so it is added when the fields are built (the schema generator
        # refers to the component it is already describing).
        return {
            **super().get_fields(),
            "replies": ThreadNodeOutput(
                many=True,
                help_text="Replies, oldest first, nested down to the display depth; deeper replies hang "
                "flat under their ancestor at that depth (see `parent`).",
            ),
        }


class ThreadOutput(serializers.Serializer):
    article = serializers.CharField(help_text="The article's slug.")
    comment_count = serializers.IntegerField(help_text="Published comments of the article.")
    sort = serializers.ChoiceField(choices=SORTS)
    featured = serializers.BooleanField(
        help_text="True for the list of editors' picks (`?featured=true`), latest pick first."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    next_cursor = serializers.CharField(allow_null=True)
    results = ThreadNodeOutput(many=True)


class RepliesOutput(serializers.Serializer):
    comment = serializers.IntegerField()
    reply_count = serializers.IntegerField()
    results = ThreadNodeOutput(many=True)


class OwnCommentsOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    next_cursor = serializers.CharField(allow_null=True)
    results = CommentOutput(many=True)


class ReactionOutput(serializers.Serializer):
    comment = serializers.IntegerField()
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


class ReportOutput(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "comment", "reason", "note", "created_at"]


# --- Inputs ---------------------------------------------------------------


class PageQueryInput(serializers.Serializer):
    # An empty cursor, as a client sends it for "no next_cursor yet", is the first page.
    cursor = serializers.CharField(
        required=False, allow_blank=True, help_text="`next_cursor` of the previous page; empty for the first."
    )
    limit = serializers.IntegerField(required=False, min_value=1, help_text="Comments per page.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The largest page is a setting; declared here, when the schema is built, so
        # that the schema states it as the maximum of `limit`.
        cast(serializers.IntegerField, self.fields["limit"]).max_value = settings.THREAD_MAX_PAGE_SIZE

    def validate_limit(self, value: int) -> int:
        if value > settings.THREAD_MAX_PAGE_SIZE:
            raise serializers.ValidationError(
                gettext("Ensure this value is at most %(limit)d.") % {"limit": settings.THREAD_MAX_PAGE_SIZE}
            )
        return value


class ThreadQueryInput(PageQueryInput):
    sort = serializers.ChoiceField(
        choices=SORTS, default="oldest", help_text="The thread's order; the editors' picks have their own."
    )
    featured = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only the editors' picks, each with its replies, the latest pick first.",
    )
    limit = serializers.IntegerField(required=False, min_value=1, help_text="Top-level comments per page.")


class CommentCreateInput(serializers.Serializer):
    body = serializers.CharField(
        trim_whitespace=False, allow_blank=True, help_text="Plain text, 1–5000 characters."
    )
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)  # type: ignore[assignment]  # a field; DRF moves it off the class


class CommentEditInput(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)


class ReportInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=REPORT_NOTE_MAX_LENGTH
    )


def _valid_query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    # A plain dict, not the QueryDict: DRF reads an empty value in a QueryDict as an
    # absent one, so `?limit=` would quietly mean the default instead of a 400.
    return validated(serializer_class, request.query_params.dict())


def _next_url(request: Request, next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    return replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)


COMMENT_ID = OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)

# --- Views ----------------------------------------------------------------


class ArticleCommentsApi(APIView):
    # Anyone may read; writing needs an account (401 otherwise). DRF's own class, so
    # that the schema declares the reads as open to anonymous readers.
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_scopes = {"POST": "comment"}

    @extend_schema(
        operation_id="thread_read",
        summary="The published thread of an article",
        parameters=[ThreadQueryInput],
        responses={
            200: ThreadOutput,
            400: field_errors("ThreadQueryErrors", ["sort", "featured", "cursor", "limit"]),
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        query = _valid_query(ThreadQueryInput, request)
        article = article_get(slug=slug)
        cursor, limit = query.get("cursor") or None, query.get("limit", settings.THREAD_PAGE_SIZE)
        page = (
            featured_page(article=article, user=request.user, cursor=cursor, limit=limit)
            if query["featured"]
            else thread_page(
                article=article, user=request.user, sort=query["sort"], cursor=cursor, limit=limit
            )
        )
        return Response(
            {
                "article": article.slug,
                "comment_count": article.comment_count,
                "sort": query["sort"],
                "featured": query["featured"],
                "next": _next_url(request, page.next_cursor),
                "next_cursor": page.next_cursor,
                "results": page.results,
            }
        )

    @extend_schema(
        operation_id="comment_create",
        parameters=[RETRY_AFTER],
        summary="Post a comment or a reply; it waits for moderation",
        request=CommentCreateInput,
        responses={
            202: CommentOutput,
            400: field_errors("CommentCreateErrors", ["body", "parent"]),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        data = validated(CommentCreateInput, request.data)
        comment = comment_create(
            article=article_get(slug=slug),
            author=request.user,
            body=data["body"],
            parent_id=data.get("parent"),
        )
        return Response(
            CommentOutput(comment, context={"user": request.user}).data, status=status.HTTP_202_ACCEPTED
        )


class CommentDetailApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_scopes = {"PATCH": "comment"}

    @extend_schema(
        operation_id="comment_read",
        summary="A comment: published, or your own in any state but deleted",
        parameters=[COMMENT_ID],
        responses={200: CommentDetailOutput, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, comment_id: int) -> Response:
        comment = comment_get(comment_id=comment_id, user=request.user)
        with translation.override(request_language(request)):
            return Response(CommentDetailOutput(comment, context={"user": request.user}).data)

    @extend_schema(
        operation_id="comment_edit",
        summary="Edit your comment within the edit window; it is moderated again",
        parameters=[COMMENT_ID, RETRY_AFTER],
        request=CommentEditInput,
        responses={
            200: CommentOutput,
            400: field_errors("CommentEditErrors", ["body"]),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def patch(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        data = validated(CommentEditInput, request.data)
        comment = comment_edit(comment_id=comment_id, user=request.user, body=data["body"])
        return Response(CommentOutput(comment, context={"user": request.user}).data)

    @extend_schema(
        operation_id="comment_delete",
        summary="Delete your comment (its replies stay)",
        parameters=[COMMENT_ID],
        responses={204: None, 401: NOT_AUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        comment_delete(comment_id=comment_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentRepliesApi(APIView):
    @extend_schema(
        operation_id="comment_replies",
        summary="All replies below a comment, nested from it",
        parameters=[COMMENT_ID],
        responses={200: RepliesOutput, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, comment_id: int) -> Response:
        replies = comment_replies(comment_id=comment_id, user=request.user)
        return Response(
            {"comment": replies.comment_id, "reply_count": replies.reply_count, "results": replies.results}
        )


class CommentReactionsApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scopes = {"POST": "reaction", "DELETE": "reaction"}

    @extend_schema(
        operation_id="reaction_add",
        summary="Like a published comment (idempotent)",
        parameters=[COMMENT_ID, RETRY_AFTER],
        request=None,
        responses={
            200: ReactionOutput,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def post(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        like_count = reaction_add(comment_id=comment_id, user=request.user)
        return Response({"comment": comment_id, "liked": True, "like_count": like_count})

    @extend_schema(
        operation_id="reaction_remove",
        summary="Take back your like (idempotent)",
        parameters=[COMMENT_ID, RETRY_AFTER],
        responses={
            200: ReactionOutput,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def delete(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        like_count = reaction_remove(comment_id=comment_id, user=request.user)
        return Response({"comment": comment_id, "liked": False, "like_count": like_count})


class CommentReportsApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scopes = {"POST": "report"}

    @extend_schema(
        operation_id="report_create",
        summary="Report a published comment to the moderators (once per reader and version of its text)",
        parameters=[COMMENT_ID, RETRY_AFTER],
        request=ReportInput,
        responses={
            201: ReportOutput,
            400: field_errors("ReportErrors", ["reason", "note"]),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        data = validated(ReportInput, request.data)
        report = report_create(
            comment_id=comment_id, reporter=request.user, reason=data["reason"], note=data.get("note", "")
        )
        return Response(ReportOutput(report).data, status=status.HTTP_201_CREATED)


class MeCommentsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_comments",
        summary="Your comments, newest first, with their status",
        parameters=[PageQueryInput],
        responses={
            200: OwnCommentsOutput,
            400: field_errors("PageQueryErrors", ["cursor", "limit"]),
            401: NOT_AUTHENTICATED,
        },
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = _valid_query(PageQueryInput, request)
        page = comments_of_author(
            user=request.user,
            cursor=query.get("cursor") or None,
            limit=query.get("limit", settings.THREAD_PAGE_SIZE),
        )
        return Response(
            {
                "next": _next_url(request, page.next_cursor),
                "next_cursor": page.next_cursor,
                "results": CommentOutput(page.results, many=True, context={"user": request.user}).data,
            }
        )
