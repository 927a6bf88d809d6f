"""The thread's JSON is built as dicts by the selectors, its schema by serializers in
discussion/api.py: two descriptions of one shape. These tests hold them together.
Every field the API sends is in the schema's component and every property of the
component is sent, each value of the declared type, null only where the schema
allows it, and every field the schema allows to be null is null in some answer."""

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from discussion.models import Comment, Reaction
from tests.factories import CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

Schema = dict[str, Any]

TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


@pytest.fixture(scope="module")
def components() -> dict[str, Schema]:
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _resolved(schema: Schema, components: dict[str, Schema]) -> Schema:
    if "$ref" in schema:
        return components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def mismatches(value: Any, schema: Schema, components: dict[str, Schema], where: str = "") -> list[str]:
    """Where ``value`` differs from ``schema``, nested values included; [] when it fits."""
    schema = _resolved(schema, components)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null, which the schema does not allow"]
    kind = schema["type"]
    if not isinstance(value, TYPES[kind]) or (isinstance(value, bool) and kind != "boolean"):
        return [f"{where}: {value!r} is not of type {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    if schema.get("format") == "date-time":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return [f"{where}: {value!r} is not a date-time"]
    problems: list[str] = []
    if kind == "array":
        for index, item in enumerate(value):
            problems += mismatches(item, schema["items"], components, f"{where}[{index}]")
    if kind == "object" and "properties" in schema:
        declared = schema["properties"]
        problems += [f"{where}.{name}: in the schema, not sent" for name in sorted(declared.keys() - value)]
        problems += [f"{where}.{name}: sent, not in the schema" for name in sorted(value.keys() - declared)]
        for name in sorted(set(declared) & set(value)):
            problems += mismatches(value[name], declared[name], components, f"{where}.{name}")
    return problems


def null_fields(*answers: dict[str, Any]) -> set[str]:
    return {name for answer in answers for name, value in answer.items() if value is None}


def nullable(component: Schema) -> set[str]:
    return {name for name, prop in component["properties"].items() if prop.get("nullable")}


@pytest.fixture
def thread(article, reader) -> dict[str, Comment]:
    """Each kind of node: a comment (edited, liked by the reader), its reply, and a
    removed comment whose published reply keeps it in the thread as a placeholder."""
    comment = CommentFactory(article=article, edited_at=timezone.now())
    Reaction.objects.create(comment=comment, user=reader)
    Comment.objects.filter(pk=comment.pk).update(like_count=1)
    removed = CommentFactory(article=article, status=Comment.Status.REMOVED)
    return {
        "comment": comment,
        "reply": reply_to(comment),
        "placeholder": removed,
        "reply to the placeholder": reply_to(removed),
    }


def thread_nodes(client: APIClient, article) -> dict[str, dict[str, Any]]:
    comment, placeholder = client.get(f"/api/articles/{article.slug}/comments/").json()["results"]
    return {"comment": comment, "reply": comment["replies"][0], "placeholder": placeholder}


@pytest.mark.parametrize("kind", ["comment", "reply", "placeholder"])
def test_each_kind_of_thread_node_has_the_fields_of_the_schema(
    reader_client: APIClient, article, thread, components, kind: str
) -> None:
    node = thread_nodes(reader_client, article)[kind]
    assert mismatches(node, {"$ref": "#/components/schemas/ThreadNodeOutput"}, components) == []


def test_the_thread_nodes_are_null_where_the_schema_says_they_may_be(
    reader_client: APIClient, article, thread, components
) -> None:
    nodes = thread_nodes(reader_client, article).values()
    assert null_fields(*nodes) == nullable(components["ThreadNodeOutput"])


@pytest.mark.parametrize("query", ["?limit=1", ""], ids=["a page with a next one", "the last page"])
def test_a_thread_page_has_the_fields_of_the_schema(
    reader_client: APIClient, article, thread, components, query: str
) -> None:
    page = reader_client.get(f"/api/articles/{article.slug}/comments/{query}").json()
    assert mismatches(page, {"$ref": "#/components/schemas/ThreadOutput"}, components) == []


def test_the_last_thread_page_is_null_where_the_schema_says_it_may_be(
    api_client: APIClient, article, thread, components
) -> None:
    page = api_client.get(f"/api/articles/{article.slug}/comments/").json()
    assert null_fields(page) == nullable(components["ThreadOutput"])


def test_the_replies_of_a_comment_have_the_fields_of_the_schema(
    reader_client: APIClient, thread, components
) -> None:
    replies = reader_client.get(f"/api/comments/{thread['placeholder'].pk}/replies/").json()
    assert mismatches(replies, {"$ref": "#/components/schemas/RepliesOutput"}, components) == []


@pytest.fixture
def own_comments(reader, article) -> None:
    CommentFactory(article=article, author=reader)
    reply_to(CommentFactory(article=article), author=reader, status=Comment.Status.PENDING)


def test_the_readers_own_comments_have_the_fields_of_the_schema(
    reader_client: APIClient, own_comments, components
) -> None:
    page = reader_client.get("/api/me/comments/").json()
    assert mismatches(page, {"$ref": "#/components/schemas/OwnCommentsOutput"}, components) == []


def test_the_last_page_of_own_comments_is_null_where_the_schema_says_it_may_be(
    reader_client: APIClient, own_comments, components
) -> None:
    page = reader_client.get("/api/me/comments/").json()
    assert null_fields(page) == nullable(components["OwnCommentsOutput"])


def test_comments_are_null_where_the_schema_says_they_may_be(
    reader_client: APIClient, api_client: APIClient, own_comments, article, components
) -> None:
    own = reader_client.get("/api/me/comments/").json()["results"]
    gone = CommentFactory(article=article, author=UserFactory(username="geloescht"))
    gone.author.delete()
    of_a_deleted_account = api_client.get(f"/api/comments/{gone.pk}/").json()
    # The detail is the list's comment plus the statement of reasons and the rule
    # a rejection named, null here.
    assert null_fields(*own, of_a_deleted_account) == nullable(components["CommentDetailOutput"])
    assert nullable(components["CommentDetailOutput"]) == nullable(components["CommentOutput"]) | {
        "statement",
        "rejection_reason",
    }
