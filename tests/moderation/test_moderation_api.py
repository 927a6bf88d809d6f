import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.models import AuditEntry, ReaderAuditEntry, Term
from moderation.permissions import moderators_group
from tests.factories import ArticleFactory, CommentFactory, UserFactory, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_api() -> APIClient:
    return client_for(UserFactory(username="chefin", is_staff=True, is_superuser=True))


ENDPOINTS = [
    ("get", "/api/moderation/queues/held/", None),
    ("post", "/api/moderation/comments/{id}/decision/", {"action": "approve"}),
    ("post", "/api/moderation/analyze/", {"text": "Hallo"}),
    ("post", "/api/moderation/readers/leserin/", {"action": "lift"}),
]


@pytest.mark.parametrize(("method", "path", "data"), ENDPOINTS)
def test_readers_and_anonymous_are_refused(method: str, path: str, data: dict | None, reader) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    url = path.format(id=comment.pk)
    assert getattr(APIClient(), method)(url, data, format="json").status_code == 401
    response = getattr(client_for(reader), method)(url, data, format="json")
    assert response.status_code == 403
    staff_without_permission = client_for(UserFactory(is_staff=True))
    assert getattr(staff_without_permission, method)(url, data, format="json").status_code == 403
    comment.refresh_from_db()
    assert comment.status == "held"
    assert not AuditEntry.objects.exists()


def test_the_held_queue_in_priority_order_with_reasons(
    moderator_client: APIClient, django_assert_max_num_queries
) -> None:
    low = CommentFactory(status=Comment.Status.HELD, score=0.4, body="mittel")
    high = CommentFactory(status=Comment.Status.HELD, score=0.8, body="hoch")
    CommentFactory(status=Comment.Status.PUBLISHED, body="öffentlich")
    AuditEntry.objects.create(
        comment=high,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="score",
        score=0.8,
        details={"rules": ["score 0.80 between 0.35 and 0.85"], "explanation": []},
    )
    for _ in range(10):
        CommentFactory(status=Comment.Status.HELD, score=0.5)
    # One of them asks whether the account has an authenticator app (the second factor);
    # the authors' profiles and the moderators' notes on them are one query each.
    with django_assert_max_num_queries(11):
        response = moderator_client.get("/api/moderation/queues/held/?limit=5")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12
    assert body["results"][0]["id"] == high.pk
    assert body["results"][0]["rules"] == ["score 0.80 between 0.35 and 0.85"]
    assert body["results"][0]["author_record"]["approved"] == 0
    assert body["results"][0]["url"] == f"http://testserver/articles/{high.article.slug}/#comment-{high.pk}"
    assert low.pk not in [row["id"] for row in body["results"]]


def test_a_queue_item_links_to_the_comment_on_the_newsrooms_site(moderator_client: APIClient) -> None:
    held = CommentFactory(
        status=Comment.Status.HELD, article=ArticleFactory(url="https://zeitung.example/politik/genf-123")
    )
    [item] = moderator_client.get("/api/moderation/queues/held/").json()["results"]
    assert item["url"] == f"https://zeitung.example/politik/genf-123#comment-{held.pk}"


def test_unknown_queue_is_404(moderator_client: APIClient) -> None:
    response = moderator_client.get("/api/moderation/queues/irgendwas/")
    assert response.status_code == 404
    assert "held" in response.json()["detail"]


def test_decisions_over_the_api_are_audited_and_conflicts_are_409(moderator_client: APIClient) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    url = f"/api/moderation/comments/{comment.pk}/decision/"
    response = moderator_client.post(
        url, {"action": "reject", "reason": "threat", "note": "Drohung"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["to_status"], response.json()["reason"], response.json()["moderator"]) == (
        "rejected",
        "threat",
        "moderatorin",
    )
    again = moderator_client.post(
        url, {"action": "reject", "reason": "hate", "expected_status": "held"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "decided"


def test_reject_without_a_reason_records_other(moderator_client: APIClient) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    response = moderator_client.post(
        f"/api/moderation/comments/{comment.pk}/decision/", {"action": "reject"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["to_status"], response.json()["reason"]) == ("rejected", "other")


def test_reject_with_an_unknown_reason_is_400(moderator_client: APIClient) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    response = moderator_client.post(
        f"/api/moderation/comments/{comment.pk}/decision/",
        {"action": "reject", "reason": "weil"},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_analyze_scores_explains_and_stores_nothing(moderator_client: APIClient, active_model) -> None:
    Term.objects.create(text="idiot*", kind=Term.Kind.BANNED)
    response = moderator_client.post(
        "/api/moderation/analyze/", {"text": "Du Idioten-Verein!"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["decision"]["status"] == "rejected"
    assert body["word_hits"][0]["term"] == "idiot*"
    assert body["model_version"] == "coldstart-test"
    assert 0 <= body["score"] <= 1
    assert not Comment.objects.exists() and not AuditEntry.objects.exists()


def test_analyze_without_a_model_is_503(moderator_client: APIClient) -> None:
    response = moderator_client.post("/api/moderation/analyze/", {"text": "Hallo"}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "no_model"


def test_an_admin_may_moderate_too(admin_client_api: APIClient, reader) -> None:
    response = admin_client_api.post(
        "/api/moderation/readers/leserin/", {"action": "ban", "reason": "Hetze"}, format="json"
    )
    assert response.status_code == 200
    reader.reader_profile.refresh_from_db()
    assert reader.reader_profile.banned
    assert (
        admin_client_api.post(
            "/api/moderation/readers/niemand/", {"action": "lift"}, format="json"
        ).status_code
        == 404
    )


def test_approving_needs_the_revision_seen(moderator_client: APIClient) -> None:
    comment = CommentFactory(status=Comment.Status.HELD, revision=2)
    url = f"/api/moderation/comments/{comment.pk}/decision/"
    missing = moderator_client.post(url, {"action": "approve"}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    stale = moderator_client.post(url, {"action": "approve", "revision": 1}, format="json")
    assert stale.status_code == 409
    assert moderator_client.post(url, {"action": "approve", "revision": 2}, format="json").status_code == 200


STAFF_ACCOUNTS = {
    "administrator": {"is_staff": True, "is_superuser": True},
    "staff member": {"is_staff": True},
    "superuser without staff status": {"is_superuser": True},
    "member of the Moderators group": {},
}
READER_ACTIONS = {
    "ban": {"action": "ban", "reason": "Hetze"},
    "suspend": {"action": "suspend", "reason": "Hetze", "until": "2099-01-01T00:00:00Z"},
    "premoderate": {"action": "premoderate"},
    "lift": {"action": "lift"},
}


def staff_account(kind: str) -> User:
    user = UserFactory(username="kollegin", **STAFF_ACCOUNTS[kind])
    if kind == "member of the Moderators group":
        user.groups.add(moderators_group())
    return user


@pytest.mark.parametrize("action", READER_ACTIONS)
@pytest.mark.parametrize("kind", STAFF_ACCOUNTS)
def test_a_moderator_may_not_restrict_a_staff_account(
    moderator_client: APIClient, kind: str, action: str
) -> None:
    staff_account(kind)
    response = moderator_client.post(
        "/api/moderation/readers/kollegin/", READER_ACTIONS[action], format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "staff_account")
    assert not ReaderAuditEntry.objects.exists()


@pytest.mark.parametrize("kind", STAFF_ACCOUNTS)
def test_an_administrator_may_restrict_a_staff_account(admin_client_api: APIClient, kind: str) -> None:
    account = staff_account(kind)
    response = admin_client_api.post(
        "/api/moderation/readers/kollegin/", READER_ACTIONS["ban"], format="json"
    )
    assert response.status_code == 200
    account.reader_profile.refresh_from_db()
    assert account.reader_profile.banned
