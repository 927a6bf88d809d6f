"""The demo pages: the article list at / and each article with the comment widget."""

import re

import pytest
from django.test import Client

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_index_lists_articles_with_teaser_and_comment_count(client: Client) -> None:
    article = ArticleFactory(title="Radwege für die Innenstadt", teaser="Der Stadtrat beschließt.")
    CommentFactory(article=article)
    CommentFactory(article=article)
    ArticleFactory(title="Library reopens", language="en", teaser="")

    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert f'<a href="/articles/{article.slug}/">Radwege für die Innenstadt</a>' in page
    assert "Der Stadtrat beschließt." in page
    assert "2 Kommentare" in page
    assert "0 comments" in page


def test_index_without_articles_says_how_to_import_them(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "import_articles" in response.content.decode()


def test_index_costs_one_query(client: Client, django_assert_num_queries) -> None:
    for _ in range(5):
        ArticleFactory()
    with django_assert_num_queries(1):
        client.get("/")


def test_article_page_shows_the_article_as_imported_and_the_widget(client: Client) -> None:
    article = ArticleFactory(
        title="Hitzesommer",
        teaser="Die Ernte fällt geringer aus.",
        body=[
            {"type": "paragraph", "text": "Erster Absatz."},
            {"type": "subheading", "text": "Was die Bauern sagen"},
            {"type": "paragraph", "text": "Zweiter Absatz."},
        ],
    )

    response = client.get(f"/articles/{article.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "<h1>Hitzesommer</h1>" in page
    assert '<p class="teaser">Die Ernte fällt geringer aus.</p>' in page
    blocks = re.findall(r"<(p|h2)>([^<]*)</\1>", page)
    assert blocks == [("p", "Erster Absatz."), ("h2", "Was die Bauern sagen"), ("p", "Zweiter Absatz.")]
    assert f'<div data-stammtisch-article="{article.slug}"></div>' in page
    assert '<script src="/static/stammtisch/embed.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/stammtisch/embed.css">' in page


def test_article_page_carries_the_article_language(client: Client) -> None:
    article = ArticleFactory(language="en")
    page = client.get(f"/articles/{article.slug}/").content.decode()
    assert '<html lang="en">' in page


def test_article_text_is_escaped(client: Client) -> None:
    article = ArticleFactory(
        title=HOSTILE,
        teaser=HOSTILE,
        body=[{"type": "paragraph", "text": HOSTILE}, {"type": "subheading", "text": HOSTILE}],
    )
    for url in ("/", f"/articles/{article.slug}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_article_page_costs_one_query(client: Client, django_assert_num_queries) -> None:
    article = ArticleFactory()
    with django_assert_num_queries(1):
        client.get(f"/articles/{article.slug}/")


def test_unknown_article_is_a_404_page(client: Client) -> None:
    response = client.get("/articles/gibt-es-nicht/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
