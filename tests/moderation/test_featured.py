"""Editors' picks: moderators feature and unfeature published comments through the
moderation API (audited, idempotent), readers list them with ?featured=true, and
only published picks ever reach readers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.decisions import comment_decide, comment_feature
from moderation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from moderation.permissions import moderators_group
from moderation.statistics.stats import decision_times
from tests.factories import ArticleFactory, CommentFactory, UserFactory, client_for, reply_to

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", is_staff=True)
    user.groups.add(moderators_group())
    return user


def feature_url(comment: Comment | int) -> str:
    return f"/api/moderation/comments/{getattr(comment, 'pk', comment)}/feature/"


def picks(client: APIClient, slug: str, **query: str) -> dict:
    response = client.get(f"/api/articles/{slug}/comments/", {"featured": "true", **query})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_moderator_features_a_comment_and_it_is_audited(moderator_client: APIClient) -> None:
    comment = CommentFactory()

    response = moderator_client.post(feature_url(comment))

    assert response.status_code == 200, response.content
    assert response.json()["featured"] is True
    assert response.json()["changed"] is True
    comment.refresh_from_db()
    assert comment.featured_at is not None
    assert comment.featured_by.username == "moderatorin"
    entry = AuditEntry.objects.get(comment=comment)
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason) == (
        "moderator",
        "published",
        "published",
        "feature",
    )
    assert entry.moderator.username == "moderatorin"


def test_featuring_twice_changes_nothing_and_writes_one_entry(moderator_client: APIClient) -> None:
    comment = CommentFactory()
    moderator_client.post(feature_url(comment))
    first = Comment.objects.get(pk=comment.pk).featured_at

    again = moderator_client.post(feature_url(comment))

    assert again.status_code == 200
    assert again.json() | {"featured_at": None} == {
        "comment": comment.pk,
        "featured": True,
        "featured_at": None,
        "changed": False,
    }
    assert Comment.objects.get(pk=comment.pk).featured_at == first
    assert AuditEntry.objects.filter(comment=comment).count() == 1


def test_unfeaturing_takes_it_out_and_is_audited(moderator_client: APIClient) -> None:
    comment = CommentFactory()
    moderator_client.post(feature_url(comment))

    response = moderator_client.delete(feature_url(comment))

    assert response.status_code == 200
    assert response.json()["featured"] is False
    assert Comment.objects.get(pk=comment.pk).featured_at is None
    assert list(
        AuditEntry.objects.filter(comment=comment).order_by("id").values_list("reason", flat=True)
    ) == [
        "feature",
        "unfeature",
    ]
    assert moderator_client.delete(feature_url(comment)).json()["changed"] is False
    assert AuditEntry.objects.filter(comment=comment).count() == 2


@pytest.mark.parametrize("status", [Status.PENDING, Status.HELD, Status.REJECTED, Status.REMOVED])
def test_only_a_published_comment_can_be_featured(moderator_client: APIClient, status: str) -> None:
    comment = CommentFactory(status=status)

    response = moderator_client.post(feature_url(comment), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "not_published"
    assert "Only a published comment can be featured" in response.json()["detail"]
    assert Comment.objects.get(pk=comment.pk).featured_at is None
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("comment_id", [999_999, 2**63])
def test_an_unknown_comment_is_404(moderator_client: APIClient, comment_id: int) -> None:
    for method in ("post", "delete"):
        response = getattr(moderator_client, method)(feature_url(comment_id))
        assert response.status_code == 404, (method, response.content)
        assert response.json()["code"] == "not_found"


def test_readers_and_staff_without_the_permission_cannot_feature(reader) -> None:
    comment = CommentFactory()
    assert APIClient().post(feature_url(comment)).status_code == 401
    assert client_for(reader).post(feature_url(comment)).status_code == 403
    assert client_for(UserFactory(is_staff=True)).post(feature_url(comment)).status_code == 403
    assert client_for(reader).delete(feature_url(comment)).status_code == 403
    assert Comment.objects.get(pk=comment.pk).featured_at is None
    assert not AuditEntry.objects.exists()


def test_the_decision_api_features_too(moderator_client: APIClient) -> None:
    comment = CommentFactory()

    response = moderator_client.post(
        f"/api/moderation/comments/{comment.pk}/decision/", {"action": "feature"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["reason"] == "feature"
    assert Comment.objects.get(pk=comment.pk).featured_at is not None
    twice = moderator_client.post(
        f"/api/moderation/comments/{comment.pk}/decision/", {"action": "feature"}, format="json"
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "unchanged"


def test_the_picks_list_latest_pick_first_with_the_thread_shape(moderator, api_client, article) -> None:
    early, late = CommentFactory(article=article), CommentFactory(article=article)
    CommentFactory(article=article)  # not a pick
    reply = reply_to(early, body="Eine Antwort")
    picked_reply = reply_to(late, body="Eine gute Antwort")
    for comment in (late, early, picked_reply):
        comment_feature(comment_id=comment.pk, moderator=moderator)

    page = picks(api_client, article.slug)

    assert page["featured"] is True
    assert [node["id"] for node in page["results"]] == [picked_reply.pk, early.pk, late.pk]
    assert all(node["featured"] for node in page["results"])
    by_id = {node["id"]: node for node in page["results"]}
    assert [node["id"] for node in by_id[early.pk]["replies"]] == [reply.pk]
    assert by_id[early.pk]["replies"][0]["featured"] is False
    assert by_id[early.pk]["reply_count"] == 1
    assert by_id[late.pk]["replies"][0]["featured"] is True


def test_the_thread_marks_picks(moderator, api_client, article) -> None:
    picked, other = CommentFactory(article=article), CommentFactory(article=article)
    comment_feature(comment_id=picked.pk, moderator=moderator)

    page = api_client.get(f"/api/articles/{article.slug}/comments/").json()

    assert page["featured"] is False
    assert {node["id"]: node["featured"] for node in page["results"]} == {picked.pk: True, other.pk: False}


def test_the_picks_come_in_pages_with_a_cursor_of_their_own(moderator, api_client, article) -> None:
    comments = [CommentFactory(article=article) for _ in range(5)]
    for comment in comments:
        comment_feature(comment_id=comment.pk, moderator=moderator)
    # Two picked in the same instant: the id breaks the tie.
    same = timezone.now() + timedelta(minutes=1)
    Comment.objects.filter(pk__in=[comments[1].pk, comments[2].pk]).update(featured_at=same)

    seen: list[int] = []
    cursor = ""
    while True:
        page = picks(api_client, article.slug, limit="2", cursor=cursor)
        seen += [node["id"] for node in page["results"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]

    assert seen == [comments[2].pk, comments[1].pk, comments[4].pk, comments[3].pk, comments[0].pk]
    thread_cursor = api_client.get(f"/api/articles/{article.slug}/comments/?limit=1").json()["next_cursor"]
    refused = api_client.get(
        f"/api/articles/{article.slug}/comments/",
        {"featured": "true", "cursor": thread_cursor},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "cursor" in refused.json()


def test_a_page_of_picks_costs_three_queries_of_its_own(
    moderator, reader_client, article, django_assert_num_queries
) -> None:
    for _ in range(6):
        top = CommentFactory(article=article)
        reply_to(top)
        comment_feature(comment_id=top.pk, moderator=moderator)

    # The reader's token, the article, the picks, their threads, the reader's likes:
    # as many with 6 picks as with 1.
    with django_assert_num_queries(5):
        page = picks(reader_client, article.slug)
    assert len(page["results"]) == 6


def test_a_bad_featured_flag_is_a_400_naming_it(api_client, article) -> None:
    response = api_client.get(f"/api/articles/{article.slug}/comments/?featured=vielleicht")

    assert response.status_code == 400
    assert "featured" in response.json()


@pytest.mark.parametrize(("action", "status"), [("remove", Status.REMOVED), ("reject", Status.REJECTED)])
def test_a_removed_or_rejected_pick_leaves_the_picks(moderator, api_client, article, action, status) -> None:
    comment = CommentFactory(article=article)
    comment_feature(comment_id=comment.pk, moderator=moderator)
    reply_to(comment)  # keeps a placeholder in the thread

    comment_decide(comment_id=comment.pk, moderator=moderator, action=action, reason="insult")

    assert picks(api_client, article.slug)["results"] == []
    [placeholder] = api_client.get(f"/api/articles/{article.slug}/comments/").json()["results"]
    assert (placeholder["removed"], placeholder["featured"]) == (True, False)
    assert Comment.objects.get(pk=comment.pk).status == status


def test_a_restored_pick_is_a_pick_again(moderator, api_client, article) -> None:
    comment = CommentFactory(article=article)
    comment_feature(comment_id=comment.pk, moderator=moderator)
    comment_decide(comment_id=comment.pk, moderator=moderator, action="remove")

    comment_decide(comment_id=comment.pk, moderator=moderator, action="restore")

    assert [node["id"] for node in picks(api_client, article.slug)["results"]] == [comment.pk]


def test_picks_of_other_articles_are_not_listed(moderator, api_client, article) -> None:
    elsewhere = CommentFactory(article=ArticleFactory())
    comment_feature(comment_id=elsewhere.pk, moderator=moderator)

    assert picks(api_client, article.slug)["results"] == []


def test_a_pick_raises_comment_featured_and_no_status_event(moderator) -> None:
    hook = WebhookEndpoint.objects.create(url="https://hooks.example.com/stammtisch", secret="whsec_QUJD")
    comment = CommentFactory()

    comment_feature(comment_id=comment.pk, moderator=moderator)
    comment_feature(comment_id=comment.pk, moderator=moderator, featured=False)

    [delivery] = WebhookDelivery.objects.filter(endpoint=hook)
    assert delivery.event_type == "comment.featured"
    assert delivery.payload["data"]["comment"]["id"] == comment.pk
    assert delivery.payload["data"]["reason"] == "feature"


def test_a_pick_is_not_a_decision_in_the_statistics(moderator) -> None:
    comment = CommentFactory()
    comment_feature(comment_id=comment.pk, moderator=moderator)

    assert decision_times(timezone.now() - timedelta(days=1)) == {"model": None, "moderator": None}


def test_a_pick_does_not_shield_it_from_reports(moderator, settings) -> None:
    from discussion.models import Report
    from moderation.decisions import comment_check_reports

    comment = CommentFactory()
    comment_feature(comment_id=comment.pk, moderator=moderator)
    for reader in UserFactory.create_batch(5):
        Report.objects.create(comment=comment, reporter=reader, reason="offensive", comment_revision=1)

    assert comment_check_reports(comment_id=comment.pk) is not None
    assert Comment.objects.get(pk=comment.pk).status == Status.HELD


def test_the_schema_describes_the_picks() -> None:
    import json

    from django.test import Client

    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    thread = schema["paths"]["/api/articles/{slug}/comments/"]["get"]
    assert "featured" in {parameter["name"] for parameter in thread["parameters"]}
    components = schema["components"]["schemas"]
    assert "featured" in components["ThreadNodeOutput"]["required"]
    assert "featured" in components["ThreadOutput"]["required"]
    feature = schema["paths"]["/api/moderation/comments/{comment_id}/feature/"]
    assert {"200", "401", "403", "404", "409"} <= set(feature["post"]["responses"])
    assert {"200", "401", "403", "404"} <= set(feature["delete"]["responses"])
    assert "rejection_reason" in components["CommentDetailOutput"]["properties"]
    assert {"moderator", "admin_url", "netiquette_url"} <= set(components["MeOutput"]["required"])


def test_the_comment_admin_features_published_comments_only(moderator) -> None:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(moderator)
    published, held = CommentFactory(), CommentFactory(status=Status.HELD)

    response = client.post(
        "/admin/discussion/comment/",
        {"action": "feature_selected", "_selected_action": [published.pk, held.pk]},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["1 comment featured, 1 not published: not featured"]
    assert Comment.objects.get(pk=published.pk).featured_by == moderator
    assert Comment.objects.get(pk=held.pk).featured_at is None
    assert AuditEntry.objects.get().reason == "feature"
    listed = client.get("/admin/discussion/comment/?featured_at__isnull=False")
    assert list(listed.context["cl"].result_list) == [Comment.objects.get(pk=published.pk)]

    client.post(
        "/admin/discussion/comment/", {"action": "unfeature_selected", "_selected_action": [published.pk]}
    )
    assert Comment.objects.get(pk=published.pk).featured_at is None


def test_staff_without_the_permission_get_no_feature_action() -> None:
    from django.test import Client

    viewer = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client = Client()
    client.force_login(viewer)
    comment = CommentFactory()

    page = client.get("/admin/discussion/comment/")
    assert page.status_code == 200
    assert "feature_selected" not in page.content.decode()
    client.post(
        "/admin/discussion/comment/", {"action": "feature_selected", "_selected_action": [comment.pk]}
    )
    assert Comment.objects.get(pk=comment.pk).featured_at is None
