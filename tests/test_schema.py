"""The OpenAPI schema: generated without warnings, valid, every path and error answer in it."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/articles/": {"get"},
    "/api/articles/{slug}/": {"get"},
    "/api/articles/{slug}/comments/": {"get", "post"},
    "/api/comments/{comment_id}/": {"get", "patch", "delete"},
    "/api/comments/{comment_id}/replies/": {"get"},
    "/api/comments/{comment_id}/reactions/": {"post", "delete"},
    "/api/comments/{comment_id}/reports/": {"post"},
    "/api/me/": {"get"},
    "/api/me/comments/": {"get"},
    "/api/auth/register/": {"post"},
    "/api/auth/token/": {"post"},
    "/api/health/": {"get"},
    "/api/moderation/queues/{queue}/": {"get"},
    "/api/moderation/comments/{comment_id}/decision/": {"post"},
    "/api/moderation/analyze/": {"post"},
    "/api/moderation/readers/{username}/": {"post"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path: Path = tmp_path_factory.mktemp("schema") / "schema.json"
    # --fail-on-warn turns every warning of the generator into an error; --validate
    # checks the result against the OpenAPI 3 specification.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(path)
    )
    return json.loads(path.read_text())


def test_every_path_and_method_is_described(schema: dict) -> None:
    described = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    assert described == PATHS


def test_every_operation_has_an_id_and_a_success_answer(schema: dict) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("post", "/api/articles/{slug}/comments/", {"202", "400", "401", "403", "404", "429"}),
        ("patch", "/api/comments/{comment_id}/", {"200", "400", "401", "403", "404", "409", "429"}),
        ("delete", "/api/comments/{comment_id}/", {"204", "401", "403", "404"}),
        ("post", "/api/comments/{comment_id}/reactions/", {"200", "401", "403", "404", "429"}),
        ("post", "/api/comments/{comment_id}/reports/", {"201", "400", "401", "403", "404", "409", "429"}),
        ("get", "/api/articles/{slug}/comments/", {"200", "400", "404"}),
        ("post", "/api/auth/register/", {"201", "400", "429"}),
        (
            "post",
            "/api/moderation/comments/{comment_id}/decision/",
            {"200", "400", "401", "403", "404", "409"},
        ),
    ],
)
def test_error_answers_are_declared(schema: dict, method: str, path: str, codes: set[str]) -> None:
    assert codes <= set(schema["paths"][path][method]["responses"])


def test_error_shapes_are_components(schema: dict) -> None:
    components = schema["components"]["schemas"]
    assert set(components["ErrorOutput"]["required"]) == {"detail", "code"}
    assert "retry_after" in components["ThrottledOutput"]["properties"]
    assert "body" in components["CommentCreateErrors"]["properties"]
    replies = components["ThreadNodeOutput"]["properties"]["replies"]
    assert replies["items"] == {"$ref": "#/components/schemas/ThreadNodeOutput"}
    throttled = schema["paths"]["/api/articles/{slug}/comments/"]["post"]["responses"]["429"]
    assert "Retry-After" in throttled["headers"]


def test_schema_and_docs_are_served(api_client: APIClient) -> None:
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200
