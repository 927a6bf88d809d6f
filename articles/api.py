from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from articles.models import SECTION_MAX_LENGTH, Article
from articles.selectors import (
    article_comment_mode,
    article_comments_close_at,
    article_comments_open,
    article_get,
    article_list,
    site_comment_mode_choice,
)
from web.api_errors import NOT_FOUND, field_errors, validated
from web.pagination import CheckedCursorPagination


class BlockSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["paragraph", "subheading"])
    text = serializers.CharField()


class ArticleListOutput(serializers.ModelSerializer):
    comments_open = serializers.SerializerMethodField(help_text="Whether the article takes new comments now.")
    comment_mode = serializers.SerializerMethodField(
        help_text="The effective mode: `post` (post-moderation), `pre` (pre-moderation) or `off` (closed)."
    )
    comments_close_at = serializers.SerializerMethodField(
        help_text="When the discussion closes by itself; null if it does not."
    )

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "teaser",
            "language",
            "section",
            "published_at",
            "comments_open",
            "comment_mode",
            "comments_close_at",
            "comment_count",
        ]

    def _site_choice(self) -> str:
        # Read once per answer, shared by every article of a list (one context).
        if "site_choice" not in self.context:
            self.context["site_choice"] = site_comment_mode_choice()
        return self.context["site_choice"]

    def get_comments_open(self, article: Article) -> bool:
        return article_comments_open(article=article, site_choice=self._site_choice())

    def get_comment_mode(self, article: Article) -> str:
        return article_comment_mode(article=article, site_choice=self._site_choice())

    def get_comments_close_at(self, article: Article) -> datetime | None:
        return article_comments_close_at(article=article)


class ArticleDetailOutput(ArticleListOutput):
    body = BlockSerializer(many=True)

    class Meta(ArticleListOutput.Meta):
        fields = [*ArticleListOutput.Meta.fields, "body"]


class ArticlePages(CheckedCursorPagination):
    """Newest first, a page at a time; the cursor stays valid while articles are added."""

    ordering = ("-published_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


class ArticleListQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=ArticlePages.max_page_size, required=False)
    cursor = serializers.CharField(required=False, allow_blank=True, help_text="From `next` or `previous`.")
    section = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SECTION_MAX_LENGTH,
        help_text="Only the articles of this newsroom section, e.g. `Politik`; empty: those without one.",
    )


class ArticleListApi(ListAPIView):
    serializer_class = ArticleListOutput
    pagination_class = ArticlePages

    @extend_schema(
        operation_id="article_list",
        summary="Articles, newest first, a page at a time",
        parameters=[ArticleListQuery],
        responses={
            200: ArticleListOutput(many=True),
            400: field_errors("ArticleListErrors", ["limit", "cursor", "section"]),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A plain dict: an empty or repeated ?limit= is refused, not read as the default.
        self.query = validated(ArticleListQuery, request.query_params.dict())
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Article]:
        return article_list(section=self.query.get("section"))


class ArticleDetailApi(RetrieveAPIView):
    serializer_class = ArticleDetailOutput

    @extend_schema(
        operation_id="article_read",
        summary="An article with its body",
        responses={200: ArticleDetailOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Article:
        return article_get(slug=self.kwargs["slug"])
