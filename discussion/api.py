from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.selectors import article_get
from discussion.models import Comment
from discussion.selectors import MAX_ID, comment_get, status_shown, thread_for_article
from discussion.services import comment_create, user_register


class CommentOutput(serializers.ModelSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "article", "parent", "depth", "author", "body", "status", "created_at"]

    def get_author(self, comment: Comment) -> str | None:
        return comment.author.get_username() if comment.author else None

    def get_status(self, comment: Comment) -> str:
        return status_shown(comment.status)


class ThreadCommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    author = serializers.CharField(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    replies = serializers.ListField(child=serializers.DictField(), help_text="Replies, in the same shape.")


class ThreadOutput(serializers.Serializer):
    article = serializers.CharField()
    comment_count = serializers.IntegerField()
    results = ThreadCommentOutput(many=True)


class CommentCreateInput(serializers.Serializer):
    body = serializers.CharField(
        trim_whitespace=False, allow_blank=True, help_text="Plain text, 1–5000 characters."
    )
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)


class ArticleCommentsApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(responses=ThreadOutput)
    def get(self, request: Request, slug: str) -> Response:
        article = article_get(slug=slug)
        thread = thread_for_article(article=article)
        return Response({"article": article.slug, "comment_count": article.comment_count, "results": thread})

    @extend_schema(request=CommentCreateInput, responses={202: CommentOutput})
    def post(self, request: Request, slug: str) -> Response:
        data = CommentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comment_create(
            article=article_get(slug=slug),
            author=request.user,
            body=data.validated_data["body"],
            parent_id=data.validated_data.get("parent"),
        )
        return Response(CommentOutput(comment).data, status=status.HTTP_202_ACCEPTED)


class CommentDetailApi(APIView):
    @extend_schema(responses=CommentOutput)
    def get(self, request: Request, comment_id: int) -> Response:
        return Response(CommentOutput(comment_get(comment_id=comment_id, user=request.user)).data)


class RegisterInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True)


class RegisterApi(APIView):
    @extend_schema(
        request=RegisterInput,
        responses={
            201: inline_serializer(
                "Registered", {"username": serializers.CharField(), "token": serializers.CharField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = user_register(**data.validated_data)
        return Response({"username": user.get_username(), "token": token}, status=status.HTTP_201_CREATED)


class TokenApi(ObtainAuthToken):
    """Exchange username and password for the API token (``Authorization: Token …``)."""
