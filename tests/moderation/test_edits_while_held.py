"""An author's edit of a comment that waits for a moderator: it keeps waiting, and
its readers' reports stay with it, through the public and the moderation API."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from articles.models import Article
from moderation.models import ArticlePolicy, AuditEntry
from moderation.permissions import moderators_group
from moderation.services import comment_moderate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POLITE = "Danke für den ausführlichen Bericht, das war sehr informativ."
INSULT = "Du bist ein dummer Idiot, halt endlich die Fresse."


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def moderator_client() -> APIClient:
    moderator = UserFactory(username="moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    return client_for(moderator)


@pytest.fixture
def reporters() -> list[APIClient]:
    return [client_for(UserFactory()) for _ in range(3)]


def post_scored(client: APIClient, article: Article, body: str) -> int:
    """A new comment through the API, decided by the active model as the worker would."""
    response = client.post(f"/api/articles/{article.slug}/comments/", {"body": body}, format="json")
    assert response.status_code == 202
    comment_moderate(comment_id=response.json()["id"])
    return response.json()["id"]


def edit_and_rescore(client: APIClient, comment_id: int, body: str) -> None:
    response = client.patch(f"/api/comments/{comment_id}/", {"body": body}, format="json")
    assert response.status_code == 200
    comment_moderate(comment_id=comment_id)


def report(client: APIClient, comment_id: int) -> int:
    return client.post(
        f"/api/comments/{comment_id}/reports/", {"reason": "offensive"}, format="json"
    ).status_code


def queue(client: APIClient, name: str) -> dict[int, dict]:
    response = client.get(f"/api/moderation/queues/{name}/")
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["results"]}


def thread(article: Article) -> list[str]:
    results = APIClient().get(f"/api/articles/{article.slug}/comments/").json()["results"]
    return [node["body"] for node in results]


def approve(client: APIClient, comment_id: int) -> None:
    response = client.post(
        f"/api/moderation/comments/{comment_id}/decision/",
        {"action": "approve", "expected_status": "held", "revision": 2},
        format="json",
    )
    assert response.status_code == 200


@pytest.fixture
def reported_then_edited(active_model, article, reader_client, reporters, moderator_client) -> int:
    """A published comment that three readers reported (so it was held), then edited
    by its author by one character and scored again."""
    comment_id = post_scored(reader_client, article, POLITE)
    assert [report(client, comment_id) for client in reporters] == [201, 201, 201]
    assert comment_id in queue(moderator_client, "reported")
    edit_and_rescore(reader_client, comment_id, POLITE + "!")
    return comment_id


# --- Held for reports --------------------------------------------------------


def test_a_reported_comment_stays_out_of_the_thread_after_its_author_edits_it(
    reported_then_edited: int, article
) -> None:
    assert thread(article) == []


def test_a_reported_comment_stays_in_the_reported_queue_with_its_reports_after_an_edit(
    reported_then_edited: int, moderator_client: APIClient
) -> None:
    item = queue(moderator_client, "reported").get(reported_then_edited)
    assert item is not None
    assert (item["body"], item["revision"], item["reports"]) == (POLITE + "!", 2, {"offensive": 3})


def test_approving_the_edited_reported_comment_publishes_it(
    reported_then_edited: int, moderator_client: APIClient, article
) -> None:
    approve(moderator_client, reported_then_edited)
    assert thread(article) == [POLITE + "!"]
    assert reported_then_edited not in queue(moderator_client, "reported")


def test_readers_who_reported_the_first_text_may_report_the_edited_one(
    reported_then_edited: int, moderator_client: APIClient, reporters: list[APIClient]
) -> None:
    approve(moderator_client, reported_then_edited)
    assert report(reporters[0], reported_then_edited) == 201


def test_a_second_report_of_the_same_text_by_the_same_reader_is_409(
    reported_then_edited: int, moderator_client: APIClient, reporters: list[APIClient]
) -> None:
    approve(moderator_client, reported_then_edited)
    assert report(reporters[0], reported_then_edited) == 201
    assert report(reporters[0], reported_then_edited) == 409


def test_every_step_of_the_reported_and_edited_comment_is_audited(
    reported_then_edited: int, moderator_client: APIClient
) -> None:
    approve(moderator_client, reported_then_edited)
    steps = list(
        AuditEntry.objects.filter(comment_id=reported_then_edited).values_list(
            "actor", "from_status", "to_status", "comment_revision"
        )
    )
    assert steps == [
        ("model", "pending", "published", 1),
        ("system", "published", "held", 1),
        ("author", "held", "held", 2),
        ("model", "held", "held", 2),
        ("moderator", "held", "published", 2),
    ]


# --- Held in the grey zone -----------------------------------------------------


@pytest.fixture
def grey_then_edited(active_model, article, reader_client) -> int:
    """A comment held for a score between the thresholds, then edited by its author
    into a text that alone would be published, and scored again."""
    ArticlePolicy.objects.create(article=article, publish_below=0.5, reject_above=1.0, auto_reject=False)
    comment_id = post_scored(reader_client, article, INSULT)
    assert AuditEntry.objects.get(comment_id=comment_id).to_status == "held"
    edit_and_rescore(reader_client, comment_id, POLITE)
    return comment_id


def test_a_held_grey_zone_comment_stays_held_after_an_edit_and_rescoring(
    grey_then_edited: int, moderator_client: APIClient
) -> None:
    assert grey_then_edited in queue(moderator_client, "held")


def test_rescoring_a_held_comment_shows_moderators_the_score_of_the_new_text(
    grey_then_edited: int, moderator_client: APIClient
) -> None:
    item = queue(moderator_client, "held").get(grey_then_edited)
    assert item is not None
    assert item["revision"] == 2 and item["score"] is not None and item["score"] < 0.5


def test_approving_the_edited_grey_zone_comment_publishes_it(
    grey_then_edited: int, moderator_client: APIClient, article
) -> None:
    approve(moderator_client, grey_then_edited)
    assert thread(article) == [POLITE]


# --- Published with open reports -----------------------------------------------


def test_reports_of_the_earlier_text_count_towards_the_reported_queue(
    active_model, article, reader_client, reporters: list[APIClient], moderator_client: APIClient
) -> None:
    comment_id = post_scored(reader_client, article, POLITE)
    assert [report(client, comment_id) for client in reporters[:2]] == [201, 201]
    edit_and_rescore(reader_client, comment_id, POLITE + "!")
    assert thread(article) == [POLITE + "!"]
    assert report(reporters[2], comment_id) == 201
    assert queue(moderator_client, "reported").get(comment_id, {}).get("reports") == {"offensive": 3}


def test_one_reader_reporting_two_texts_of_a_comment_counts_once(
    active_model, article, reader_client, reporters: list[APIClient], moderator_client: APIClient
) -> None:
    comment_id = post_scored(reader_client, article, POLITE)
    assert [report(client, comment_id) for client in reporters[:2]] == [201, 201]
    edit_and_rescore(reader_client, comment_id, POLITE + "!")
    assert report(reporters[0], comment_id) == 201
    assert thread(article) == [POLITE + "!"]
