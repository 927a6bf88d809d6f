"""Reads of articles."""

from django.db.models import QuerySet

from articles.models import Article
from config.errors import NotFound


def article_list() -> QuerySet[Article]:
    return Article.objects.all()


def article_get(*, slug: str) -> Article:
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        raise NotFound(f"No article with the slug {slug!r}.")
    return article
