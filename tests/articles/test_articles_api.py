import pytest
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_article_list_shows_comment_counts_and_open_state(api_client: APIClient) -> None:
    open_article = ArticleFactory(title="Offen")
    ArticleFactory(title="Geschlossen", comment_mode="off")
    response = api_client.get("/api/articles/")
    assert response.status_code == 200
    by_slug = {a["slug"]: a for a in response.json()["results"]}
    assert by_slug[open_article.slug]["comments_open"] is True
    assert by_slug[open_article.slug]["comment_count"] == 0
    assert set(by_slug) == {open_article.slug, *by_slug} and len(by_slug) == 2


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


def test_list_costs_two_queries(api_client: APIClient, django_assert_num_queries) -> None:
    for _ in range(5):
        CommentFactory(article=ArticleFactory())
    # The articles, and the site's comment mode (for those that follow it), once.
    with django_assert_num_queries(2):
        api_client.get("/api/articles/")


def test_articles_come_a_page_at_a_time_newest_first(api_client: APIClient) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    articles = [ArticleFactory(published_at=now - timedelta(hours=n)) for n in range(5)]
    first = api_client.get("/api/articles/?limit=2").json()
    assert [a["slug"] for a in first["results"]] == [a.slug for a in articles[:2]]
    ArticleFactory(published_at=now + timedelta(hours=1))  # new, while the reader pages on
    second = api_client.get(first["next"]).json()
    assert [a["slug"] for a in second["results"]] == [a.slug for a in articles[2:4]]


@pytest.mark.parametrize("query", ["cursor=kaputt", "limit=0", "limit=null", "limit=", "limit=9999"])
def test_bad_paging_input_is_400_naming_it(api_client: APIClient, query: str) -> None:
    response = api_client.get(f"/api/articles/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_previous_of_the_second_page_is_the_first(api_client: APIClient) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for n in range(5):
        ArticleFactory(published_at=now - timedelta(hours=n))
    first = api_client.get("/api/articles/?limit=2").json()
    second = api_client.get(first["next"]).json()
    assert api_client.get(second["previous"]).json()["results"] == first["results"]


def test_articles_published_at_the_same_moment_are_each_listed_once(api_client: APIClient) -> None:
    from django.utils import timezone

    now = timezone.now()
    slugs = {ArticleFactory(published_at=now).slug for _ in range(5)}
    seen: list[str] = []
    url: str | None = "/api/articles/?limit=2"
    while url:
        body = api_client.get(url).json()
        seen += [article["slug"] for article in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(slugs)
