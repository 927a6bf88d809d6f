"""When an article takes comments: its mode (site default, post, pre, off) and auto-close."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from articles.selectors import article_comment_mode, article_comments_close_at, article_comments_open
from discussion.models import Comment
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def post(client: APIClient, article: Article):
    return client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")


@pytest.mark.parametrize(
    ("mode", "site", "effective"),
    [
        ("default", "post", "post"),
        ("default", "pre", "pre"),
        ("default", "off", "off"),
        ("pre", "post", "pre"),
        ("post", "pre", "post"),
        ("off", "post", "off"),
    ],
)
def test_effective_mode(settings, mode: str, site: str, effective: str) -> None:
    settings.COMMENT_MODE = site
    article = ArticleFactory(comment_mode=mode)
    assert article_comment_mode(article=article) == effective
    assert article_comments_open(article=article) is (effective != "off")


def test_mode_off_closes_the_discussion(reader_client: APIClient) -> None:
    article = ArticleFactory(comment_mode="off")
    response = post(reader_client, article)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Die Kommentare zu diesem Artikel sind geschlossen.",
        "code": "comments_closed",
    }
    assert not Comment.objects.exists()


def test_pre_moderated_article_still_takes_comments(reader_client: APIClient) -> None:
    assert post(reader_client, ArticleFactory(comment_mode="pre")).status_code == 202


def test_article_closes_after_its_own_number_of_days(reader_client: APIClient) -> None:
    now = timezone.now()
    fresh = ArticleFactory(published_at=now - timedelta(days=2, hours=23), comments_close_after_days=3)
    stale = ArticleFactory(published_at=now - timedelta(days=3, seconds=1), comments_close_after_days=3)
    assert post(reader_client, fresh).status_code == 202
    response = post(reader_client, stale)
    assert response.status_code == 403
    assert response.json()["code"] == "comments_closed"


def test_site_default_days_apply_unless_the_article_says_otherwise(settings) -> None:
    settings.COMMENTS_CLOSE_AFTER_DAYS = 7
    published = timezone.now() - timedelta(days=10)
    following_site = ArticleFactory(published_at=published)
    never = ArticleFactory(published_at=published, comments_close_after_days=0)
    longer = ArticleFactory(published_at=published, comments_close_after_days=30)
    assert article_comments_close_at(article=following_site) == published + timedelta(days=7)
    assert article_comments_open(article=following_site) is False
    assert article_comments_close_at(article=never) is None and article_comments_open(article=never)
    assert article_comments_open(article=longer) is True


def test_no_auto_close_by_default() -> None:
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=3650))
    assert article_comments_close_at(article=article) is None
    assert article_comments_open(article=article) is True


def test_closing_is_decided_at_the_given_time() -> None:
    article = ArticleFactory(comments_close_after_days=1)
    close_at = article.published_at + timedelta(days=1)
    assert article_comments_open(article=article, now=close_at - timedelta(microseconds=1)) is True
    assert article_comments_open(article=article, now=close_at) is False


def test_api_shows_the_effective_settings(api_client: APIClient, settings) -> None:
    settings.COMMENT_MODE = "pre"
    article = ArticleFactory(comments_close_after_days=5)
    ArticleFactory(comment_mode="off")
    for body in (
        api_client.get(f"/api/articles/{article.slug}/").json(),
        api_client.get("/api/articles/").json()["results"][1],
    ):
        assert body["slug"] == article.slug
        assert (body["comments_open"], body["comment_mode"]) == (True, "pre")
        assert body["comments_close_at"] is not None
    closed = api_client.get("/api/articles/").json()["results"][0]
    assert (closed["comments_open"], closed["comment_mode"]) == (False, "off")


@pytest.mark.django_db(transaction=True)
def test_migration_turns_closed_articles_into_mode_off() -> None:
    before, after = [("articles", "0001_initial")], [("articles", "0002_comment_mode")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("articles", "Article")
    old.objects.create(slug="zu", title="Zu", comments_open=False)
    old.objects.create(slug="auf", title="Auf", comments_open=True)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("articles", "Article")
    assert dict(new.objects.values_list("slug", "comment_mode")) == {"zu": "off", "auf": "default"}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_close_date_beyond_the_calendar_means_never(api_client: APIClient) -> None:
    article = ArticleFactory(comments_close_after_days=2**31 - 1)
    assert article_comments_close_at(article=article) is None
    response = api_client.get("/api/articles/")
    assert response.status_code == 200
    assert response.json()["results"][0]["comments_open"] is True


def site_chooses_pre() -> str:
    return "pre"


def test_the_site_choice_comes_from_the_reader_the_setting_names(api_client: APIClient, settings) -> None:
    settings.COMMENT_MODE = "post"
    settings.SITE_COMMENT_MODE_READER = f"{__name__}.site_chooses_pre"
    article = ArticleFactory()  # mode "default"
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comment_mode"] == "pre"


def reader_errors() -> list[str]:
    return [message.msg for message in run_checks() if message.id == "stammtisch.E001"]


def test_check_names_a_site_mode_reader_that_does_not_exist(settings) -> None:
    settings.SITE_COMMENT_MODE_READER = "moderation.policy.rules.no_such_function"
    assert reader_errors() == [
        "SITE_COMMENT_MODE_READER='moderation.policy.rules.no_such_function' names nothing that can be "
        'imported (Module "moderation.policy.rules" does not define a "no_such_function" attribute/class).'
    ]


def test_check_accepts_the_configured_and_an_empty_site_mode_reader(settings) -> None:
    assert reader_errors() == []
    settings.SITE_COMMENT_MODE_READER = ""
    assert reader_errors() == []
