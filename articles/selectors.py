"""Reads of articles, and the rules of when an article takes comments."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article
from config.errors import NotFound

CommentMode = Article.CommentMode


def article_list() -> QuerySet[Article]:
    return Article.objects.all()


def article_get(*, slug: str) -> Article:
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        raise NotFound(f"No article with the slug {slug!r}.")
    return article


def comment_mode_effective(mode: str) -> str:
    """The mode an article's setting stands for: ``default`` follows the site's COMMENT_MODE."""
    return settings.COMMENT_MODE if mode == CommentMode.DEFAULT else mode


def article_comment_mode(*, article: Article) -> str:
    return comment_mode_effective(article.comment_mode)


def article_comments_close_at(*, article: Article) -> datetime | None:
    """When the discussion closes by itself, counted from publication; None if never."""
    days = article.comments_close_after_days
    if days is None:
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if not days:
        return None
    try:
        return article.published_at + timedelta(days=days)
    except OverflowError:  # beyond the calendar: it never closes
        return None


def article_comments_open(*, article: Article, now: datetime | None = None) -> bool:
    if article_comment_mode(article=article) == CommentMode.OFF:
        return False
    close_at = article_comments_close_at(article=article)
    return close_at is None or (now or timezone.now()) < close_at
