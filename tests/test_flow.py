"""The whole flow for real: API → Redis → a Celery worker process → decision."""

import time

import pytest
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.models import AuditEntry, SettingsAuditEntry

pytestmark = pytest.mark.slow


def wait_for_decision(comment_id: int, timeout: float = 30.0) -> Comment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        comment = Comment.objects.get(pk=comment_id)
        if comment.status != Comment.Status.PENDING:
            return comment
        time.sleep(0.1)
    raise AssertionError(f"comment {comment_id} still pending after {timeout} s")


def register(client: APIClient, username: str) -> None:
    response = client.post(
        "/api/auth/register/",
        {"username": username, "password": "Ein-sicheres-Passwort-2026", "consent": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")


def test_polite_comment_is_published_and_insult_is_not(celery_worker, article) -> None:
    client = APIClient()
    register(client, "leserin")
    polite = client.post(
        f"/api/articles/{article.slug}/comments/",
        {"body": "Danke für den ausführlichen Bericht, sehr informativ und gut recherchiert."},
        format="json",
    )
    insult = client.post(
        f"/api/articles/{article.slug}/comments/",
        {"body": "Du bist ein dummer Idiot, halt endlich die Fresse."},
        format="json",
    )
    assert polite.status_code == insult.status_code == 202
    assert polite.json()["status"] == "pending"

    assert wait_for_decision(polite.json()["id"]).status == Comment.Status.PUBLISHED
    assert wait_for_decision(insult.json()["id"]).status in {Comment.Status.HELD, Comment.Status.REJECTED}

    thread = APIClient().get(f"/api/articles/{article.slug}/comments/").json()
    assert [c["id"] for c in thread["results"]] == [polite.json()["id"]]
    assert thread["comment_count"] == 1

    entry = AuditEntry.objects.get(comment_id=insult.json()["id"])
    assert entry.actor == AuditEntry.Actor.MODEL
    assert entry.model_version.version == "coldstart-test"
    assert entry.from_status == "pending" and entry.score is not None and entry.score > 0.5
    assert client.get(f"/api/comments/{insult.json()['id']}/").json()["status"] in {"pending", "rejected"}


def test_a_running_worker_picks_up_a_newly_activated_model(celery_worker, article, settings) -> None:
    from moderation.classifier.data import load_coldstart
    from moderation.modelops.registry import model_activate, model_train

    client = APIClient()
    register(client, "leser")
    first = client.post(f"/api/articles/{article.slug}/comments/", {"body": "Guter Artikel."}, format="json")
    wait_for_decision(first.json()["id"])
    assert AuditEntry.objects.get(comment_id=first.json()["id"]).model_version.version == "coldstart-test"

    # The worker shares MODELS_DIR with this process (see the celery_worker fixture).
    newer = model_train(dataset=load_coldstart(), params={"C": 2.0}, folds=0)
    model_activate(version=newer.version, source=SettingsAuditEntry.Source.ADMIN)
    second = client.post(f"/api/articles/{article.slug}/comments/", {"body": "Danke dafür."}, format="json")
    wait_for_decision(second.json()["id"])
    assert AuditEntry.objects.get(comment_id=second.json()["id"]).model_version == newer
