"""The site's default comment mode, chosen in the site policy (admin); empty follows
the COMMENT_MODE setting. It applies to articles whose own mode is "default"."""

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.response import Response
from rest_framework.test import APIClient

from articles.selectors import site_comment_mode_choice
from discussion.models import Comment
from moderation.models import SitePolicy
from moderation.services import comment_moderate
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

POLITE = "Danke für den ausführlichen Bericht, das war sehr informativ."


def site_mode(mode: str) -> None:
    SitePolicy.objects.update_or_create(pk=1, defaults={"comment_mode": mode})


def post(client: APIClient, slug: str) -> Response:
    return client.post(f"/api/articles/{slug}/comments/", {"body": POLITE}, format="json")


def test_pre_in_the_site_policy_holds_a_harmless_comment_for_a_human(
    active_model, reader_client: APIClient, settings
) -> None:
    settings.COMMENT_MODE = "post"
    site_mode("pre")
    article = ArticleFactory()  # mode "default"
    assert reader_client.get(f"/api/articles/{article.slug}/").json()["comment_mode"] == "pre"

    posted = post(reader_client, article.slug)
    assert posted.status_code == 202
    entry = comment_moderate(comment_id=posted.json()["id"])

    comment = Comment.objects.get(pk=posted.json()["id"])
    assert comment.status == Comment.Status.HELD
    assert comment.score is not None and comment.score < 0.35
    assert entry is not None and entry.details["rules"] == ["pre-moderated article"]
    assert reader_client.get(f"/api/comments/{comment.pk}/").json()["status"] == "pending"


def test_post_in_the_site_policy_overrides_a_pre_setting(
    active_model, reader_client: APIClient, settings
) -> None:
    settings.COMMENT_MODE = "pre"
    site_mode("post")
    article = ArticleFactory()
    posted = post(reader_client, article.slug)
    comment_moderate(comment_id=posted.json()["id"])
    assert Comment.objects.get(pk=posted.json()["id"]).status == Comment.Status.PUBLISHED


def test_off_in_the_site_policy_closes_default_articles(reader_client: APIClient, settings) -> None:
    settings.COMMENT_MODE = "post"
    site_mode("off")
    article = ArticleFactory()
    own_mode = ArticleFactory(comment_mode="post")

    refused = post(reader_client, article.slug)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Die Kommentare zu diesem Artikel sind geschlossen.",
        "code": "comments_closed",
    }
    assert not Comment.objects.filter(article=article).exists()
    shown = reader_client.get(f"/api/articles/{article.slug}/").json()
    assert (shown["comments_open"], shown["comment_mode"]) == (False, "off")
    # An article with its own mode keeps it.
    assert post(reader_client, own_mode.slug).status_code == 202


def test_off_in_the_site_policy_stops_edits_too(reader, reader_client: APIClient) -> None:
    article = ArticleFactory()
    posted = post(reader_client, article.slug)
    site_mode("off")
    response = reader_client.patch(
        f"/api/comments/{posted.json()['id']}/", {"body": "Anders."}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "comments_closed"


@pytest.mark.parametrize("setting", ["post", "pre", "off"])
def test_an_empty_choice_follows_the_setting(api_client: APIClient, settings, setting: str) -> None:
    settings.COMMENT_MODE = setting
    site_mode("")
    article = ArticleFactory()
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comment_mode"] == setting


def test_without_a_site_policy_row_the_setting_applies_and_reading_creates_none(
    api_client: APIClient, settings
) -> None:
    SitePolicy.objects.all().delete()  # a migration makes the row; a flushed database has none
    settings.COMMENT_MODE = "pre"
    article = ArticleFactory()
    assert api_client.get("/api/articles/").json()["results"][0]["comment_mode"] == "pre"
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comment_mode"] == "pre"
    assert not SitePolicy.objects.exists()
    assert site_comment_mode_choice() == ""


def test_an_empty_reader_setting_leaves_the_site_policy_unread(api_client: APIClient, settings) -> None:
    settings.COMMENT_MODE = "post"
    settings.SITE_COMMENT_MODE_READER = ""
    site_mode("off")
    article = ArticleFactory()
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comment_mode"] == "post"


def test_the_list_reads_the_site_policy_once(api_client: APIClient, django_assert_num_queries) -> None:
    site_mode("off")
    for _ in range(5):
        ArticleFactory()
    with django_assert_num_queries(2):  # the articles, the site's choice
        results = api_client.get("/api/articles/").json()["results"]
    assert {(a["comment_mode"], a["comments_open"]) for a in results} == {("off", False)}


def test_an_administrator_sets_the_mode_in_the_admin(api_client: APIClient) -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    policy, _ = SitePolicy.objects.get_or_create(pk=1)
    form = {key: value for key, value in model_to_dict(policy).items() if value is not None and key != "id"}
    article = ArticleFactory()

    response = browser.post(
        f"/admin/moderation/sitepolicy/{policy.pk}/change/", {**form, "comment_mode": "off"}
    )

    assert response.status_code == 302, response.content[:3000]
    assert SitePolicy.objects.get(pk=1).comment_mode == "off"
    assert api_client.get(f"/api/articles/{article.slug}/").json()["comments_open"] is False
    listing = browser.get("/admin/articles/article/")
    assert listing.status_code == 200
    assert b'alt="False"' in listing.content


def test_without_its_row_the_admin_adds_the_site_policy_as_the_row_everyone_reads() -> None:
    SitePolicy.objects.all().delete()
    browser = Client()
    browser.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    assert browser.get("/admin/moderation/sitepolicy/")["Location"] == "/admin/moderation/sitepolicy/add/"
    defaults = model_to_dict(SitePolicy())
    form = {key: value for key, value in defaults.items() if value is not None and key != "id"}

    response = browser.post("/admin/moderation/sitepolicy/add/", {**form, "comment_mode": "off"})

    assert response.status_code == 302, response.content[:3000]
    assert site_comment_mode_choice() == "off"


def test_the_admin_offers_the_three_modes_and_empty() -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    policy, _ = SitePolicy.objects.get_or_create(pk=1)
    page = browser.get(f"/admin/moderation/sitepolicy/{policy.pk}/change/").content.decode()
    assert 'name="comment_mode"' in page
    for value in ('value=""', 'value="post"', 'value="pre"', 'value="off"'):
        assert value in page
    assert 'value="default"' not in page.split('name="comment_mode"')[1].split("</select>")[0]
