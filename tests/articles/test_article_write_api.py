"""Articles from the newsroom's system: `publisher_token` gives its account a token,
PUT creates or updates an article, PATCH changes some of its fields; readers and
moderators may not; bad input is a 400 naming the field."""

from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from articles.models import Article
from discussion.models import Comment
from moderation.permissions import moderators_group
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

ARTICLE = {
    "title": "Abrüstung: Gespräche in Genf",
    "teaser": "Die Delegationen treffen sich wieder.",
    "body": [
        {"type": "paragraph", "text": "Am Montag beginnen die Gespräche über die Rüstungskontrolle."},
        {"type": "subheading", "text": "Was auf dem Tisch liegt"},
    ],
    "section": "Politik",
    "url": "https://zeitung.example/politik/abruestung-genf-123",
    "published_at": "2026-12-07T06:00:00+01:00",
}


def publisher_token(username: str = "cms") -> str:
    out = StringIO()
    call_command("publisher_token", username, stdout=out)
    return out.getvalue().strip()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def cms() -> APIClient:
    return client_with(publisher_token())


def put(client: APIClient, slug: str, data: Any) -> Any:
    return client.put(f"/api/articles/{slug}/", data, format="json")


def patch(client: APIClient, slug: str, data: Any) -> Any:
    return client.patch(f"/api/articles/{slug}/", data, format="json")


def test_the_newsrooms_system_creates_an_article_readers_then_find(cms: APIClient, api_client) -> None:
    response = put(cms, "abruestung-genf", ARTICLE)

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "abruestung-genf"
    assert created["language"] == "de"  # told from the text
    assert created["body"] == ARTICLE["body"]
    assert created["comments_open"] is True
    shown = api_client.get("/api/articles/abruestung-genf/").json()
    assert shown == created
    assert shown["url"] == ARTICLE["url"]
    assert datetime.fromisoformat(shown["published_at"]) == datetime(2026, 12, 7, 5, tzinfo=UTC)
    assert [a["slug"] for a in api_client.get("/api/articles/?section=Politik").json()["results"]] == [
        "abruestung-genf"
    ]


def test_sending_an_article_again_updates_it_and_keeps_what_a_moderator_set(cms: APIClient) -> None:
    put(cms, "abruestung-genf", ARTICLE)
    Article.objects.filter(slug="abruestung-genf").update(comment_mode="off")  # closed in the admin

    response = put(cms, "abruestung-genf", {**ARTICLE, "title": "Abrüstung: Gespräche in Genf vertagt"})

    assert response.status_code == 200
    assert response.json()["title"] == "Abrüstung: Gespräche in Genf vertagt"
    article = Article.objects.get()
    assert (article.title, article.comment_mode, article.section) == (
        "Abrüstung: Gespräche in Genf vertagt",
        "off",
        "Politik",
    )


def test_an_english_article_is_told_apart_and_a_given_language_wins(cms: APIClient) -> None:
    english = {
        "title": "Talks in Geneva",
        "teaser": "The delegations meet again, and the talks are about arms.",
    }
    assert put(cms, "talks", english).json()["language"] == "en"
    assert put(cms, "gespraeche", {**english, "language": "de"}).json()["language"] == "de"


def test_closing_the_discussion_with_patch(cms: APIClient, reader_client: APIClient) -> None:
    put(cms, "abruestung-genf", ARTICLE)

    response = patch(cms, "abruestung-genf", {"comment_mode": "off"})

    assert response.status_code == 200
    assert (response.json()["comment_mode"], response.json()["comments_open"]) == ("off", False)
    assert response.json()["title"] == ARTICLE["title"]
    refused = reader_client.post(
        "/api/articles/abruestung-genf/comments/", {"body": "Noch was."}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "comments_closed")
    assert not Comment.objects.exists()


def test_patch_does_not_create(cms: APIClient) -> None:
    response = patch(cms, "gibt-es-nicht", {"comment_mode": "off"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not Article.objects.exists()


def test_readers_moderators_and_strangers_may_not_write(api_client, reader_client) -> None:
    article = ArticleFactory(title="Vorher")
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(moderators_group())
    moderator_client = APIClient()
    moderator_client.force_authenticate(moderator)

    assert put(api_client, article.slug, ARTICLE).status_code == 401
    assert patch(api_client, article.slug, {"title": "Nachher"}).status_code == 401
    for client in (reader_client, moderator_client):
        assert put(client, "neu", ARTICLE).status_code == 403
        assert patch(client, article.slug, {"title": "Nachher"}).status_code == 403
    article.refresh_from_db()
    assert article.title == "Vorher"
    assert list(Article.objects.values_list("slug", flat=True)) == [article.slug]


def test_changing_needs_the_change_permission_and_creating_the_add_permission_too() -> None:
    article = ArticleFactory(title="Vorher")
    editor = UserFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="change_article"))
    client = APIClient()
    client.force_authenticate(editor)

    assert patch(client, article.slug, {"title": "Nachher"}).status_code == 200
    assert put(client, "neu", ARTICLE).status_code == 403
    editor.user_permissions.add(Permission.objects.get(codename="add_article"))
    editor = User.objects.get(pk=editor.pk)  # permissions are cached on the instance
    client.force_authenticate(editor)
    assert put(client, "neu", ARTICLE).status_code == 201


def test_an_account_with_an_authenticator_app_needs_a_token_got_with_it() -> None:
    token = publisher_token()
    TOTPDevice.objects.create(user=User.objects.get(username="cms"), name="phone", confirmed=True)

    response = put(client_with(token), "neu", ARTICLE)

    assert (response.status_code, response.json()["code"]) == (403, "second_factor_needed")
    assert not Article.objects.exists()


def test_a_new_token_replaces_the_old_one() -> None:
    old = publisher_token()
    new = publisher_token()
    assert old != new
    assert put(client_with(old), "neu", ARTICLE).status_code == 401
    assert put(client_with(new), "neu", ARTICLE).status_code == 201
    cms = User.objects.get(username="cms")
    assert (cms.is_staff, cms.has_usable_password()) == (False, False)


def test_a_readers_account_is_not_made_a_publisher() -> None:
    UserFactory(username="lea")
    with pytest.raises(CommandError, match="Publishers"):
        publisher_token("lea")
    with pytest.raises(CommandError):
        publisher_token("kein name!")
    assert not User.objects.get(username="lea").has_perm("articles.change_article")


def test_the_newsrooms_system_account_does_not_write_in_the_discussion(cms: APIClient) -> None:
    article = ArticleFactory()
    comment = CommentFactory(article=article, status=Comment.Status.PUBLISHED)
    writes = [
        (f"/api/articles/{article.slug}/comments/", {"body": "Ein Kommentar der Redaktionssoftware."}),
        (f"/api/articles/{article.slug}/comments/", {"body": "Eine Antwort.", "parent": comment.pk}),
        (f"/api/comments/{comment.pk}/reactions/", {}),
        (f"/api/comments/{comment.pk}/reports/", {"reason": "spam"}),
    ]
    for path, data in writes:
        response = cms.post(path, data, format="json")
        assert response.status_code == 403, path
        assert response.json()["code"] == "not_a_reader"
        assert "Publishers" in response.json()["detail"]
    assert Comment.objects.count() == 1 and comment.reports.count() == 0
    # it still manages articles
    assert put(cms, "neu", ARTICLE).status_code == 201


@pytest.mark.parametrize(
    ("slug", "data", "field"),
    [
        ("neu", {k: v for k, v in ARTICLE.items() if k != "title"}, "title"),
        ("neu", {**ARTICLE, "title": ""}, "title"),
        ("neu", {**ARTICLE, "title": "x" * 301}, "title"),
        ("neu", {**ARTICLE, "title": "Glocke\x07"}, "title"),
        ("neu", {**ARTICLE, "title": "Null\x00"}, "title"),
        ("neu", {**ARTICLE, "title": 5}, "title"),
        ("neu", {**ARTICLE, "section": 0}, "section"),
        ("neu", {**ARTICLE, "url": ["https://zeitung.example/"]}, "url"),
        ("neu", {**ARTICLE, "body": [{"type": "bild", "text": "x"}]}, "body"),
        ("neu", {**ARTICLE, "body": [{"type": "paragraph"}]}, "body"),
        ("neu", {**ARTICLE, "body": "Ein Absatz."}, "body"),
        ("neu", {**ARTICLE, "url": "javascript:alert(1)"}, "url"),
        ("neu", {**ARTICLE, "url": "ftp://zeitung.example/a"}, "url"),
        ("neu", {**ARTICLE, "url": "https://zeitung.example/" + "a" * 500}, "url"),
        ("neu", {**ARTICLE, "section": "x" * 61}, "section"),
        ("neu", {**ARTICLE, "language": "fr"}, "language"),
        ("neu", {**ARTICLE, "published_at": "gestern"}, "published_at"),
        ("neu", {**ARTICLE, "comment_mode": "offen"}, "comment_mode"),
        ("neu", {**ARTICLE, "comments_close_after_days": -1}, "comments_close_after_days"),
        ("neu", {**ARTICLE, "comment_mod": "off"}, "comment_mod"),
        ("neu", {**ARTICLE, "comment_count": 5}, "comment_count"),
        ("a" * 201, ARTICLE, "slug"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(cms: APIClient, slug: str, data: dict, field: str) -> None:
    response = put(cms, slug, data)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Article.objects.exists()


def test_a_body_that_is_no_object_is_refused(cms: APIClient) -> None:
    response = put(cms, "neu", [ARTICLE])
    assert response.status_code == 400
    assert not Article.objects.exists()


def test_a_patch_without_fields_is_refused(cms: APIClient) -> None:
    put(cms, "neu", ARTICLE)
    response = patch(cms, "neu", {})
    assert (response.status_code, list(response.json())) == (400, ["non_field_errors"])


def test_a_blocks_error_names_the_block(cms: APIClient) -> None:
    body = [{"type": "paragraph", "text": "Gut."}, {"text": "Ohne Art."}]
    response = put(cms, "neu", {**ARTICLE, "body": body})
    assert response.status_code == 400
    [message] = response.json()["body"]
    assert message.startswith("1.type: ")


def test_the_admin_finds_an_article_by_its_address_on_the_site(client) -> None:
    ArticleFactory(title="Genf", url="https://zeitung.example/politik/genf-123")
    ArticleFactory(title="Berlin", url="https://zeitung.example/politik/berlin-7")
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    page = client.get("/admin/articles/article/", {"q": "genf-123"}).content.decode()
    assert ">Genf<" in page
    assert ">Berlin<" not in page


def test_view_on_site_leads_to_the_newsrooms_page_else_to_the_demo_page(client) -> None:
    on_site = ArticleFactory(url="https://zeitung.example/politik/genf-123")
    own = ArticleFactory()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    kind = ContentType.objects.get_for_model(Article).pk
    assert client.get(f"/admin/r/{kind}/{on_site.pk}/")["Location"] == on_site.url
    assert client.get(f"/admin/r/{kind}/{own.pk}/")["Location"].endswith(f"/articles/{own.slug}/")
