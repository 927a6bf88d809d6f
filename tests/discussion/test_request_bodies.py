"""The JSON parser: what a client can send that is not a proper request body."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment

pytestmark = pytest.mark.django_db


def post_raw(client: APIClient, article, raw: bytes | str):
    return client.post(f"/api/articles/{article.slug}/comments/", raw, content_type="application/json")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"body": "\\ud800"}',  # an unpaired surrogate
        b'{"body": NaN}',
        b'{"body": "x", "parent": Infinity}',
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 20_000 + b"]" * 20_000,  # nested deeper than the stack
        b'{"body": "x", "parent": 1' + b"0" * 5000 + b"}",  # more digits than Python converts
        b"[]",
        b'"body"',
        b"null",
    ],
)
def test_unusable_bodies_are_400(reader_client: APIClient, article, raw: bytes) -> None:
    response = post_raw(reader_client, article, raw)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert not Comment.objects.exists()


def test_a_body_beyond_the_limit_is_413(reader_client: APIClient, article, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = post_raw(reader_client, article, '{"body": "' + "x" * 3000 + '"}')
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_escaped_text_within_the_limit_is_fine(reader_client: APIClient, article) -> None:
    response = post_raw(reader_client, article, '{"body": "' + "\\u00e4" * 5000 + '"}')
    assert response.status_code == 202
    assert response.json()["body"] == "ä" * 5000
