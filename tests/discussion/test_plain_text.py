"""Readers' text is stored as written and returned as JSON text, never as HTML."""

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "</textarea><svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    "&lt;b&gt; &amp; \" ' `",
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_comes_back_verbatim_as_json(reader_client: APIClient, article, payload: str) -> None:
    response = reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": payload}, format="json")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert response.json()["body"] == payload
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.body == payload

    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PUBLISHED)
    for url in (f"/api/articles/{article.slug}/comments/", f"/api/comments/{comment.pk}/"):
        shown = APIClient().get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert shown["Content-Type"] == "application/json"
        body = shown.json()
        assert (body["results"][0] if "results" in body else body)["body"] == payload


def test_no_api_answer_is_html_even_when_html_is_asked_for(article) -> None:
    comment = CommentFactory(article=article, body=PAYLOADS[0])
    client = APIClient()
    for url in (
        f"/api/articles/{article.slug}/comments/",
        f"/api/comments/{comment.pk}/",
        f"/api/comments/{comment.pk}/replies/",
        "/api/comments/999999/",
        "/api/gibt-es-nicht/",
        f"/api/articles/{article.slug}/comments/?cursor=<script>",
    ):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response["Content-Type"] == "application/json", url
        response.json()
