import pytest
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_article_list_shows_comment_counts_and_open_state(api_client: APIClient) -> None:
    open_article = ArticleFactory(title="Offen")
    ArticleFactory(title="Geschlossen", comment_mode="off")
    response = api_client.get("/api/articles/")
    assert response.status_code == 200
    by_slug = {a["slug"]: a for a in response.json()}
    assert by_slug[open_article.slug]["comments_open"] is True
    assert by_slug[open_article.slug]["comment_count"] == 0
    assert {a["title"] for a in response.json()} == {"Offen", "Geschlossen"}


def test_article_detail_has_body_blocks(api_client: APIClient) -> None:
    article = ArticleFactory(
        body=[{"type": "paragraph", "text": "Absatz."}, {"type": "subheading", "text": "Zwischentitel"}]
    )
    response = api_client.get(f"/api/articles/{article.slug}/")
    assert response.status_code == 200
    assert response.json()["body"][1] == {"type": "subheading", "text": "Zwischentitel"}


def test_unknown_article_is_404(api_client: APIClient) -> None:
    response = api_client.get("/api/articles/gibt-es-nicht/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_costs_one_query(api_client: APIClient, django_assert_num_queries) -> None:
    for _ in range(5):
        CommentFactory(article=ArticleFactory())
    with django_assert_num_queries(1):
        api_client.get("/api/articles/")
