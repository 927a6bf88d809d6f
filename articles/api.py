from datetime import datetime
from typing import Any

from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from articles.importer import TITLE_MAX_LENGTH
from articles.models import SECTION_MAX_LENGTH, SLUG_MAX_LENGTH, URL_MAX_LENGTH, Article
from articles.selectors import (
    article_comment_mode,
    article_comments_close_at,
    article_comments_open,
    article_get,
    article_list,
    site_comment_mode_choice,
)
from articles.services import WRITABLE_FIELDS, article_put, article_update, section_clean
from web.api_errors import (
    FORBIDDEN,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    TOO_LARGE,
    UNSUPPORTED,
    field_errors,
    validated,
)
from web.errors import InvalidInput
from web.pagination import CheckedCursorPagination
from web.permissions import SecondFactorWhereItApplies
from web.text import has_control_characters

TEASER_MAX_LENGTH = 5000
BLOCK_MAX_LENGTH = 20000
BLOCKS_MAX = 1000


def no_control_characters(text: str) -> None:
    if has_control_characters(text):
        raise serializers.ValidationError(gettext("The text contains control characters."))


class StringOnly:
    """A text field that takes a JSON string only: DRF's own would store 0 as "0"."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]  # the field class it is mixed into has it
        return super().to_internal_value(data)  # type: ignore[misc]  # likewise


class TextInput(StringOnly, serializers.CharField):
    pass


class UrlInput(StringOnly, serializers.URLField):
    pass


class BlockSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["paragraph", "subheading"])
    text = TextInput(max_length=BLOCK_MAX_LENGTH, validators=[no_control_characters])


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
            "url",
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


# --- Writes: articles from the newsroom's system ------------------------------


class ArticleWriteInput(serializers.Serializer):
    """The fields a newsroom's system sets with PUT, which needs ``title``. A field
    left out keeps its value (a new article takes the default)."""

    title = TextInput(max_length=TITLE_MAX_LENGTH, validators=[no_control_characters])
    teaser = TextInput(
        required=False, max_length=TEASER_MAX_LENGTH, allow_blank=True, validators=[no_control_characters]
    )
    body = serializers.ListField(
        required=False,
        child=BlockSerializer(),
        max_length=BLOCKS_MAX,
        help_text="Paragraphs and subheadings, in order.",
    )
    language = serializers.ChoiceField(
        required=False,
        choices=Article.Language.choices,
        help_text="Told from the text when a new article leaves it out.",
    )
    section = TextInput(
        required=False,
        max_length=SECTION_MAX_LENGTH,
        allow_blank=True,
        help_text="The newsroom's department, e.g. `Politik`.",
    )
    url = UrlInput(
        required=False,
        max_length=URL_MAX_LENGTH,
        allow_blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="The article's address on the newsroom's site, where the widget is embedded; "
        "links to comments (mails, notices, webhooks) lead there.",
    )
    published_at = serializers.DateTimeField(required=False)
    comment_mode = serializers.ChoiceField(
        required=False,
        choices=Article.CommentMode.choices,
        help_text="`default` (the site's), `post`, `pre` or `off` (closed).",
    )
    comments_close_after_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=36500,
        allow_null=True,
        help_text="Close the discussion this many days after publication; null: the site default, 0: never.",
    )

    def validate_section(self, value: str) -> str:
        try:
            return section_clean(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A misspelt field would otherwise be dropped without a word.
        unknown = (
            sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        )
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [
                        gettext("Unknown field; articles take: %(fields)s.")
                        % {"fields": ", ".join(WRITABLE_FIELDS)}
                    ]
                    for name in unknown
                }
            )
        return attrs


class ArticleChangeInput(ArticleWriteInput):
    """The fields PATCH changes: any of them, at least one."""

    title = TextInput(required=False, max_length=TITLE_MAX_LENGTH, validators=[no_control_characters])


class MayWriteArticles(SecondFactorWhereItApplies):
    """Django's article permissions ("Can add article" and "Can change article" for
    PUT, "Can change article" for PATCH), as `publisher_token` gives the newsroom's
    system, with the second factor where one applies."""

    def allowed(self, request: Request, user: Any) -> bool:
        needed = ["articles.change_article"]
        if request.method == "PUT":
            needed.append("articles.add_article")
        return bool(user.has_perms(needed))


def _messages(errors: Any, path: str = "") -> list[str]:
    """Nested errors (of a block in ``body``) as messages that name where they are:
    ``0.type: This field is required.``"""
    if isinstance(errors, dict):
        return [m for key, value in errors.items() for m in _messages(value, f"{path}{key}.")]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value, path)]
    return [f"{path[:-1]}: {errors}" if path else str(errors)]


def _write_input(request: Request, slug: str, serializer_class: type[ArticleWriteInput]) -> dict[str, Any]:
    if len(slug) > SLUG_MAX_LENGTH:
        raise InvalidInput(
            gettext("A slug has at most %(limit)d characters.") % {"limit": SLUG_MAX_LENGTH}, field="slug"
        )
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        # The API's errors are messages per field; a block's own are named by its place.
        raise serializers.ValidationError(
            {name: _messages(errors) for name, errors in serializer.errors.items()}
        )
    fields = dict(serializer.validated_data)
    if not fields:
        raise InvalidInput(gettext("Give at least one field to change."), field="non_field_errors")
    if "body" in fields:
        fields["body"] = [dict(block) for block in fields["body"]]
    return fields


ARTICLE_WRITE_ERRORS = {
    400: field_errors("ArticleWriteErrors", ["slug", *WRITABLE_FIELDS]),
    401: NOT_AUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,  # PATCH: no such article; both: a path whose slug is no slug
    413: TOO_LARGE,
    415: UNSUPPORTED,
}


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

    def get_permissions(self) -> list[BasePermission]:
        # Reading is open to everyone (and the schema says so), writing is not.
        return [AllowAny()] if self.request.method in SAFE_METHODS else [MayWriteArticles()]

    @extend_schema(
        operation_id="article_read",
        summary="An article with its body",
        responses={200: ArticleDetailOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Article:
        return article_get(slug=self.kwargs["slug"])

    @extend_schema(
        operation_id="article_put",
        summary="Create an article or update it, from the newsroom's system",
        request=ArticleWriteInput,
        responses={200: ArticleDetailOutput, 201: ArticleDetailOutput, **ARTICLE_WRITE_ERRORS},
    )
    def put(self, request: Request, slug: str) -> Response:
        article, created = article_put(slug=slug, fields=_write_input(request, slug, ArticleWriteInput))
        return Response(
            ArticleDetailOutput(article).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="article_update",
        summary="Change some fields of an article, e.g. close its discussion",
        request=ArticleChangeInput,
        responses={200: ArticleDetailOutput, **ARTICLE_WRITE_ERRORS},
    )
    def patch(self, request: Request, slug: str) -> Response:
        article = article_update(slug=slug, fields=_write_input(request, slug, ArticleChangeInput))
        return Response(ArticleDetailOutput(article).data)
