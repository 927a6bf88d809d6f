"""The events the real flows raise: a comment posted, the model's and moderators'
decisions, an author's deletion, a report, a notice, a reader restricted. Each is a
delivery written in the flow's own transaction, for the endpoints subscribed to it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.decisions import comment_decide, reader_moderate
from moderation.models import Term, WebhookDelivery, WebhookEndpoint
from moderation.permissions import moderators_group
from moderation.services import comment_moderate
from moderation.webhooks.events import webhook_events_for_comment_entry
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def hook() -> WebhookEndpoint:
    """An endpoint that subscribed to every event (none chosen)."""
    return WebhookEndpoint.objects.create(url="https://hooks.example.com/stammtisch", secret="whsec_QUJD")


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", is_staff=True)
    user.groups.add(moderators_group())
    return user


def events(endpoint: WebhookEndpoint) -> list[tuple[str, dict]]:
    return [
        (row.event_type, row.payload["data"])
        for row in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    ]


def test_posting_a_comment_raises_comment_created(hook, reader_client, article) -> None:
    response = reader_client.post(
        f"/api/articles/{article.slug}/comments/", {"body": "Ein guter Artikel."}, format="json"
    )

    assert response.status_code == 202
    comment_id = response.json()["id"]
    [(event_type, data)] = events(hook)
    assert event_type == "comment.created"
    assert data["status"] == "pending"
    assert data["comment"]["id"] == comment_id
    assert data["comment"]["article"] == article.slug
    assert data["comment"]["parent"] is None
    assert data["comment"]["api_url"].endswith(f"/api/comments/{comment_id}/")
    assert data["comment"]["url"].endswith(f"#comment-{comment_id}")
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["type"] == "comment.created"
    assert delivery.state == WebhookDelivery.State.PENDING


def test_the_payload_holds_no_text_and_no_names(hook, reader_client, article) -> None:
    reader_client.post(
        f"/api/articles/{article.slug}/comments/", {"body": "Geheimer Wortlaut hier."}, format="json"
    )

    payload = str(WebhookDelivery.objects.get().payload)
    assert "Geheimer Wortlaut" not in payload
    assert "leserin" not in payload


@pytest.mark.parametrize(
    ("body", "mode", "event_type"),
    [
        ("Ein sachlicher Beitrag zur Verkehrspolitik.", "default", "comment.published"),
        ("Ein sachlicher Beitrag zur Verkehrspolitik.", "pre", "comment.held"),
        ("Du Arschloch.", "default", "comment.rejected"),
    ],
)
def test_the_models_verdict_raises_its_event(hook, active_model, body, mode, event_type) -> None:
    Term.objects.create(text="arschloch", kind=Term.Kind.BANNED)
    comment = CommentFactory(body=body, status=Status.PENDING, article=ArticleFactory(comment_mode=mode))

    entry = comment_moderate(comment_id=comment.pk)

    assert entry is not None
    [(raised, data)] = events(hook)
    assert raised == event_type
    assert (data["from_status"], data["status"], data["actor"]) == ("pending", entry.to_status, "model")
    assert data["comment"]["id"] == comment.pk


@pytest.mark.parametrize(
    ("status", "action", "event_type"),
    [
        (Status.HELD, "approve", "comment.published"),
        (Status.HELD, "reject", "comment.rejected"),
        (Status.PUBLISHED, "remove", "comment.removed"),
    ],
)
def test_a_moderators_decision_raises_its_event(hook, moderator, status, action, event_type) -> None:
    comment = CommentFactory(status=status)

    comment_decide(
        comment_id=comment.pk, moderator=moderator, action=action, reason="spam", expected_revision=1
    )

    [(raised, data)] = events(hook)
    assert raised == event_type
    assert (data["from_status"], data["actor"]) == (status, "moderator")


def test_an_authors_deletion_raises_comment_removed(hook, reader, reader_client) -> None:
    comment = CommentFactory(author=reader)

    assert reader_client.delete(f"/api/comments/{comment.pk}/").status_code == 204

    [(raised, data)] = events(hook)
    assert (raised, data["actor"], data["comment"]["id"]) == ("comment.removed", "author", comment.pk)


def test_reporting_a_comment_raises_report_created(hook, reader_client) -> None:
    comment = CommentFactory()

    response = reader_client.post(f"/api/comments/{comment.pk}/reports/", {"reason": "spam"}, format="json")

    assert response.status_code == 201
    [(raised, data)] = events(hook)
    assert raised == "report.created"
    assert data["report"]["reason"] == "spam"
    assert (data["comment"]["id"], data["report_count"]) == (comment.pk, 1)


def test_a_notice_raises_notice_created_without_the_notifier(hook) -> None:
    comment = CommentFactory()

    response = APIClient().post(
        "/api/notices/",
        {
            "comment": comment.pk,
            "legal_ground": "stgb_186",
            "explanation": "Der Kommentar behauptet Unwahres über eine Person.",
            "notifier_name": "Erika Muster",
            "notifier_email": "erika@example.org",
            "good_faith": True,
        },
        format="json",
    )

    assert response.status_code == 201
    [(raised, data)] = events(hook)
    assert raised == "notice.created"
    assert (data["notice"]["legal_ground"], data["comment"]["id"]) == ("stgb_186", comment.pk)
    assert "Erika" not in str(data) and "erika@" not in str(data)


def test_suspending_a_reader_raises_reader_restricted(hook, moderator) -> None:
    reader = UserFactory()
    until = timezone.now() + timedelta(days=7)

    reader_moderate(reader=reader, moderator=moderator, action="suspend", reason="insults", until=until)
    reader_moderate(reader=reader, moderator=moderator, action="lift")

    [(raised, data)] = events(hook)
    assert raised == "reader.restricted"
    assert data == {
        "reader": {"id": reader.pk},
        "action": "suspend",
        "until": until.isoformat(),
        "reason": "insults",
    }


def test_an_endpoint_hears_only_the_events_it_subscribed_to(hook, moderator, reader_client, article) -> None:
    reports_only = WebhookEndpoint.objects.create(
        url="https://reports.example.com/", secret="whsec_QUJD", events=["report.created"]
    )
    reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo."}, format="json")
    comment = CommentFactory()
    reader_client.post(f"/api/comments/{comment.pk}/reports/", {"reason": "spam"}, format="json")

    assert [event for event, _ in events(reports_only)] == ["report.created"]
    assert [event for event, _ in events(hook)] == ["comment.created", "report.created"]


def test_a_disabled_endpoint_hears_nothing(hook, reader_client, article) -> None:
    hook.is_enabled = False
    hook.save()

    reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo."}, format="json")

    assert events(hook) == []


def test_a_refused_comment_leaves_no_event(hook, reader_client, article) -> None:
    response = reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": ""}, format="json")

    assert response.status_code == 400
    assert events(hook) == []


def test_without_endpoints_an_event_costs_no_query_once_the_list_is_cached(
    moderator, django_assert_num_queries
) -> None:
    comment = CommentFactory(status=Status.HELD)
    entry = comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)

    with django_assert_num_queries(0):
        webhook_events_for_comment_entry(entry)


def test_a_comments_link_leads_to_the_article_on_the_newsrooms_site(hook, reader_client) -> None:
    article = ArticleFactory(url="https://zeitung.example/politik/genf-123")
    response = reader_client.post(
        f"/api/articles/{article.slug}/comments/", {"body": "Ein guter Artikel."}, format="json"
    )

    [(_, data)] = events(hook)
    assert (
        data["comment"]["url"] == f"https://zeitung.example/politik/genf-123#comment-{response.json()['id']}"
    )
