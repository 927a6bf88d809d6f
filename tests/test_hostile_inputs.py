"""Inputs a hostile or broken client sends, each with the answer it must get:
never a 500, always JSON naming the problem, nothing stored that should not be."""

import json

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(article) -> str:
    return f"/api/articles/{article.slug}/comments/"


def post_raw(client: APIClient, url: str, raw: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", url, raw, content_type=content_type)


def test_huge_body_is_413(reader_client: APIClient, url: str) -> None:
    response = reader_client.post(url, {"body": "x" * 400_000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Comment.objects.exists()


def test_body_just_over_the_comment_limit_is_400(reader_client: APIClient, url: str) -> None:
    response = reader_client.post(url, {"body": "ä" * 5001}, format="json")
    assert response.status_code == 400
    assert "5000" in response.json()["body"][0]


def test_deeply_nested_json_is_400(reader_client: APIClient, url: str) -> None:
    response = post_raw(reader_client, url, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert "zu tief verschachtelt" in response.json()["detail"]


def test_invalid_utf8_is_400(reader_client: APIClient, url: str) -> None:
    response = post_raw(reader_client, url, b'{"body": "caf\xe9 \xff"}')
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("raw", ['{"body": "Hallo \\ud800"}', '{"body": "Hallo", "parent": "\\udfff"}'])
def test_lone_surrogates_are_400(reader_client: APIClient, url: str, raw: str) -> None:
    response = post_raw(reader_client, url, raw)
    assert response.status_code == 400
    assert "Surrogat" in response.json()["detail"]


def test_lone_surrogate_in_a_registration_password_is_400(api_client: APIClient) -> None:
    response = post_raw(
        api_client,
        "/api/auth/register/",
        '{"username": "neu", "password": "Abc\\udfff-lang-genug", "consent": true}',
    )
    assert response.status_code == 400


def test_nul_bytes_are_400(reader_client: APIClient, url: str) -> None:
    response = reader_client.post(url, {"body": "vor\x00nach"}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(document.cookie)</script>",
        '<img src=x onerror="alert(1)">',
        "javascript:alert(1)",
        "\"><svg/onload=alert('x')>",
    ],
)
def test_html_is_stored_as_text_and_returned_json_escaped(
    reader_client: APIClient, url: str, payload: str
) -> None:
    response = reader_client.post(url, {"body": payload}, format="json")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert Comment.objects.get(pk=response.json()["id"]).body == payload
    assert response.json()["body"] == payload


@pytest.mark.parametrize(
    "payload",
    ["'; DROP TABLE discussion_comment; --", "1 OR 1=1", "%' UNION SELECT password FROM auth_user --"],
)
def test_sql_lookalikes_are_just_text(reader_client: APIClient, url: str, payload: str) -> None:
    response = reader_client.post(url, {"body": payload}, format="json")
    assert response.status_code == 202
    assert Comment.objects.get(pk=response.json()["id"]).body == payload


@pytest.mark.parametrize("body", [None, ["Liste"], {"text": "Objekt"}, True])
def test_wrong_json_types_are_400(reader_client: APIClient, url: str, body: object) -> None:
    response = reader_client.post(url, json.dumps({"body": body}), content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.parametrize("document", ["[]", '"nur ein String"', "42", "null"])
def test_json_that_is_not_an_object_is_400(reader_client: APIClient, url: str, document: str) -> None:
    response = post_raw(reader_client, url, document)
    assert response.status_code == 400


def test_parent_from_another_article_is_400(reader_client: APIClient, url: str) -> None:
    foreign = CommentFactory(article=ArticleFactory())
    response = reader_client.post(url, {"body": "Antwort", "parent": foreign.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("content_type", ["text/html", "application/xml", "multipart/form-data; boundary=x"])
def test_other_content_types_are_415(reader_client: APIClient, url: str, content_type: str) -> None:
    response = post_raw(reader_client, url, "body=hallo", content_type=content_type)
    assert response.status_code == 415
