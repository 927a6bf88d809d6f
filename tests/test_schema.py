"""The OpenAPI schema: generated without warnings, valid, every path and error answer in it."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.services import DISPLAY_NAME_MAX_LENGTH
from discussion.services import REPORT_NOTE_MAX_LENGTH

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/articles/": {"get"},
    "/api/articles/{slug}/": {"get", "put", "patch"},
    "/api/articles/{slug}/comments/": {"get", "post"},
    "/api/comments/{comment_id}/": {"get", "patch", "delete"},
    "/api/comments/{comment_id}/replies/": {"get"},
    "/api/comments/{comment_id}/reactions/": {"post", "delete"},
    "/api/comments/{comment_id}/reports/": {"post"},
    "/api/me/": {"get", "patch", "delete"},
    "/api/me/comments/": {"get"},
    "/api/me/export/": {"get"},
    "/api/me/decisions/": {"get"},
    "/api/me/decisions/{statement_id}/appeal/": {"post"},
    "/api/notices/{reference}/appeal/": {"post"},
    "/api/notices/": {"post"},
    "/api/notices/grounds/": {"get"},
    "/api/notices/{reference}/": {"get"},
    "/api/auth/register/": {"get", "post"},
    "/api/auth/token/": {"post", "delete"},
    "/api/auth/sso/": {"post"},
    "/api/health/": {"get"},
    "/api/moderation/queues/{queue}/": {"get"},
    "/api/moderation/comments/{comment_id}/decision/": {"post"},
    "/api/moderation/comments/{comment_id}/feature/": {"post", "delete"},
    "/api/moderation/comments/{comment_id}/author/": {"post"},
    "/api/moderation/analyze/": {"post"},
    "/api/moderation/readers/{username}/": {"post"},
    "/api/coral/phase/": {"post"},
    # Perspective's paths, colon and all, where its clients look for them.
    "/v1alpha1/comments:analyze": {"post"},
    "/v1alpha1/comments:suggestscore": {"post"},
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
        ("post", "/api/notices/", {"201", "400", "403", "409", "429"}),
        ("get", "/api/notices/{reference}/", {"200", "404"}),
        ("post", "/v1alpha1/comments:analyze", {"200", "400", "401", "403", "429", "503"}),
        ("post", "/v1alpha1/comments:suggestscore", {"200", "400", "401", "403", "429", "503"}),
        ("post", "/api/coral/phase/", {"200", "204", "400", "401", "403", "413", "503"}),
        ("delete", "/api/auth/token/", {"204", "401", "403"}),
        ("post", "/api/auth/sso/", {"200", "400", "401", "409", "429", "503"}),
        ("patch", "/api/me/", {"200", "400", "401", "403"}),
        ("delete", "/api/me/", {"204", "400", "401", "403", "429"}),
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


def test_perspective_errors_are_googles_envelope(schema: dict) -> None:
    answer = schema["paths"]["/v1alpha1/comments:analyze"]["post"]["responses"]["400"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GoogleError"}
    key = schema["paths"]["/v1alpha1/comments:analyze"]["post"]["parameters"]
    assert [(p["name"], p["in"]) for p in key] == [("key", "query")]


def test_schema_and_docs_are_served(api_client: APIClient) -> None:
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200


# Each of these was a difference between the schema and the API that schemathesis
# found (tests/test_api_fuzzing.py); the API is the truth, the schema now says it.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/articles/{slug}/comments/"),
        ("get", "/api/comments/{comment_id}/"),
        ("get", "/api/comments/{comment_id}/replies/"),
        ("get", "/api/articles/"),
        ("get", "/api/articles/{slug}/"),
    ],
)
def test_reads_are_declared_open_to_anonymous_readers(schema: dict, method: str, path: str) -> None:
    assert {} in schema["paths"][path][method]["security"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/articles/{slug}/comments/"),
        ("patch", "/api/comments/{comment_id}/"),
        ("delete", "/api/comments/{comment_id}/"),
        ("post", "/api/comments/{comment_id}/reactions/"),
        ("post", "/api/comments/{comment_id}/reports/"),
        ("get", "/api/me/comments/"),
        ("get", "/api/me/export/"),
        ("delete", "/api/auth/token/"),
        ("patch", "/api/me/"),
        ("delete", "/api/me/"),
        ("put", "/api/articles/{slug}/"),
        ("patch", "/api/articles/{slug}/"),
    ],
)
def test_writes_and_own_data_are_declared_to_need_an_account(schema: dict, method: str, path: str) -> None:
    assert {} not in schema["paths"][path][method]["security"]


def _parameter(schema: dict, path: str, name: str) -> dict:
    [parameter] = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]


@pytest.mark.parametrize("path", ["/api/articles/{slug}/comments/", "/api/me/comments/"])
def test_paging_parameters_state_their_bounds(schema: dict, path: str) -> None:
    assert _parameter(schema, path, "limit") == {"type": "integer", "minimum": 1, "maximum": 100}
    # An empty cursor asks for the first page; it is not refused.
    assert "minLength" not in _parameter(schema, path, "cursor")


def test_the_page_size_maximum_follows_the_setting(api_client: APIClient, settings) -> None:
    settings.THREAD_MAX_PAGE_SIZE = 7
    served = api_client.get("/api/schema/?format=json").json()
    assert _parameter(served, "/api/me/comments/", "limit")["maximum"] == 7


def test_text_limits_are_those_the_api_enforces(schema: dict) -> None:
    components = schema["components"]["schemas"]
    assert components["ReportInput"]["properties"]["note"]["maxLength"] == REPORT_NOTE_MAX_LENGTH
    assert components["RegisterInput"]["properties"]["display_name"]["maxLength"] == DISPLAY_NAME_MAX_LENGTH
    assert components["MeUpdateInput"]["properties"]["display_name"]["maxLength"] == DISPLAY_NAME_MAX_LENGTH
    assert "display_name" in components["MeUpdateErrors"]["properties"]
    # Fields that refuse an empty string say so.
    assert components["RegisterInput"]["properties"]["username"]["minLength"] == 1
    assert components["RegisterInput"]["properties"]["password"]["minLength"] == 1


def test_signing_in_is_open_and_signing_out_needs_an_account(schema: dict) -> None:
    token = schema["paths"]["/api/auth/token/"]
    assert {} in token["post"]["security"]
    assert {} not in token["delete"]["security"]
    assert "requestBody" not in token["delete"]


def test_deleting_the_account_is_declared_to_take_the_password(schema: dict) -> None:
    body = schema["paths"]["/api/me/"]["delete"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/MeDeleteInput"}
    assert set(schema["components"]["schemas"]["MeDeleteInput"]["properties"]) == {"password"}


def test_signing_in_with_the_publishers_token_is_open_and_names_its_refusals(schema: dict) -> None:
    sso = schema["paths"]["/api/auth/sso/"]["post"]
    assert {} in sso["security"]
    body = sso["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SsoInput"}
    refused = sso["responses"]["401"]["content"]["application/json"]["schema"]
    assert refused == {"$ref": "#/components/schemas/SsoRefusedOutput"}
    for code in ("token_expired", "wrong_audience", "unsigned_token", "bad_signature", "token_revoked"):
        assert code in sso["responses"]["401"]["description"]
    assert "badges" in schema["components"]["schemas"]["MeOutput"]["required"]
