"""Reads of articles, and the rules of when an article takes comments."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from articles.models import Article
from web.errors import NotFound

CommentMode = Article.CommentMode


def article_list(*, section: str | None = None) -> QuerySet[Article]:
    """Every article, or those of one section ("" for those without one)."""
    articles = Article.objects.all()
    return articles if section is None else articles.filter(section=section)


def article_get(*, slug: str, for_update: bool = False) -> Article:
    """The article with this slug (NotFound without one); ``for_update`` locks its row
    until the transaction ends."""
    articles = Article.objects.select_for_update() if for_update else Article.objects.all()
    article = articles.filter(slug=slug).first()
    if article is None:
        raise NotFound(gettext("No article with the slug %(slug)s.") % {"slug": slug})
    return article


def article_link(*, slug: str, url: str = "") -> str:
    """Where readers read an article and its discussion: its address on the
    newsroom's site (``Article.url``), else this service's own page (a path)."""
    return url.partition("#")[0] or reverse("article-page", args=[slug])


def comment_link(*, slug: str, url: str = "", comment_id: int) -> str:
    """A comment in its thread: the article's link with ``#comment-<id>``, which the
    widget opens and scrolls to."""
    return f"{article_link(slug=slug, url=url)}#comment-{comment_id}"


@lru_cache(maxsize=4)
def site_comment_mode_reader(path: str) -> Callable[[], str]:
    """The function SITE_COMMENT_MODE_READER names, imported once per path.
    Raises ImportError when the path names nothing."""
    return import_string(path)


def site_comment_mode_choice() -> str:
    """The mode the site chooses, "" for none (then COMMENT_MODE): the answer of the
    function named by SITE_COMMENT_MODE_READER ("" when the setting is empty). The
    choice is part of the moderation policy, edited in the admin; articles reads it
    only through the setting, as it imports nothing above itself. One query with
    moderation's reader."""
    path = settings.SITE_COMMENT_MODE_READER
    return site_comment_mode_reader(path)() if path else ""


def comment_mode_effective(mode: str, *, site_choice: str | None = None) -> str:
    """The mode an article's setting stands for. ``default`` follows the site: the
    site policy's choice, else the COMMENT_MODE setting. A caller that shows many
    articles reads the choice once (site_comment_mode_choice) and passes it as
    ``site_choice``; without it, it is read here when needed (one query)."""
    if mode != CommentMode.DEFAULT:
        return mode
    if site_choice is None:
        site_choice = site_comment_mode_choice()
    return site_choice or settings.COMMENT_MODE


def article_comment_mode(*, article: Article, site_choice: str | None = None) -> str:
    return comment_mode_effective(article.comment_mode, site_choice=site_choice)


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


def article_comments_open(
    *, article: Article, now: datetime | None = None, site_choice: str | None = None
) -> bool:
    if article_comment_mode(article=article, site_choice=site_choice) == CommentMode.OFF:
        return False
    close_at = article_comments_close_at(article=article)
    return close_at is None or (now or timezone.now()) < close_at
