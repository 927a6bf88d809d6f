"""Nothing accepted is lost: every comment that got a 202 reaches a terminal
decision, exactly once, whatever crashes. Real Redis, real worker processes."""

import base64
import json
import time
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app
from discussion.models import Comment
from moderation.models import AuditEntry, ModelVersion
from moderation.services import comments_sweep_pending
from tests.factories import UserFactory
from tests.faults.poison_worker import POISON_MARKER

pytestmark = [pytest.mark.slow, pytest.mark.fault]

TEXTS = [
    "Danke für die sachliche Zusammenfassung, das hilft mir weiter.",
    "Ich sehe das anders: Die Sanktionen treffen vor allem die Bevölkerung.",
    "Du bist ein dummer Idiot, halt endlich die Fresse.",
    "Thanks for the clear report, this was really helpful.",
]
TERMINAL = {Comment.Status.PUBLISHED, Comment.Status.HELD, Comment.Status.REJECTED}


def reader_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def submit(client: APIClient, slug: str, count: int, offset: int = 0) -> list[int]:
    ids = []
    for number in range(offset, offset + count):
        body = f"{TEXTS[number % len(TEXTS)]} (#{number})"
        response = client.post(f"/api/articles/{slug}/comments/", {"body": body}, format="json")
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    return ids


def decided(ids: Iterable[int]) -> int:
    return Comment.objects.filter(pk__in=list(ids)).exclude(status=Comment.Status.PENDING).count()


def wait_until_decided(ids: list[int], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while decided(ids) < len(ids):
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(ids) - decided(ids)} of {len(ids)} comments still pending")
        time.sleep(0.2)


def sweep_as_beat_would() -> None:
    comments_sweep_pending(now=timezone.now() + timedelta(minutes=2))


def assert_each_decided_exactly_once(ids: list[int]) -> None:
    statuses = dict(Comment.objects.filter(pk__in=ids).values_list("id", "status"))
    assert set(statuses) == set(ids), "a comment that got a 202 is gone"
    assert set(statuses.values()) <= TERMINAL
    decisions = Counter(
        AuditEntry.objects.filter(comment_id__in=ids, from_status="pending").values_list(
            "comment_id", flat=True
        )
    )
    assert decisions == Counter(ids), "every comment is decided once, none twice"


def comment_ids_in_redis(url: str) -> set[int]:
    """The comments whose scoring message Redis still holds: waiting in the queue,
    or handed to a worker and not yet acknowledged (kombu's ``unacked`` hash)."""
    client = redis.Redis.from_url(url)
    messages = [json.loads(raw) for raw in client.lrange("moderation", 0, -1)]
    messages += [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return {json.loads(base64.b64decode(message["body"]))[0][0] for message in messages}


def test_killed_worker_loses_nothing(start_worker, redis_server, article) -> None:
    client = reader_client()
    first = start_worker()
    ids = submit(client, article.slug, 150)
    deadline = time.monotonic() + 30
    while decided(ids) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()
    pending = set(
        Comment.objects.filter(pk__in=ids, status=Comment.Status.PENDING).values_list("id", flat=True)
    )
    assert pending, "the worker must die while it still holds comments"
    in_redis = comment_ids_in_redis(redis_server.url)
    assert in_redis <= set(ids)

    # Redis gives back what it handed out and was never acknowledged (after the
    # visibility timeout, 10 s here): every such comment is decided by a new worker.
    start_worker()
    wait_until_decided(sorted(pending & in_redis))
    # A message can also die with the worker between Redis's BRPOP reply and
    # kombu's note in the unacked hash; no broker-side restore sees it, the sweeper
    # (beat, every 30 s) sends it again.
    sweep_as_beat_would()
    wait_until_decided(ids)
    assert_each_decided_exactly_once(ids)


def test_redis_down_during_submissions_loses_nothing(start_worker, redis_server, article) -> None:
    client = reader_client()
    start_worker()
    before = submit(client, article.slug, 20)
    redis_server.stop()
    during = submit(client, article.slug, 20, offset=20)  # each still answered 202
    assert Comment.objects.filter(pk__in=during, status=Comment.Status.PENDING).count() == 20
    redis_server.start()
    sweep_as_beat_would()
    wait_until_decided(before + during)
    assert_each_decided_exactly_once(before + during)


def test_whole_stack_killed_after_a_burst_loses_nothing(start_worker, redis_server, article) -> None:
    client = reader_client()
    worker = start_worker()
    ids = submit(client, article.slug, 100)
    worker.kill()
    redis_server.stop(sig=9)
    redis_server.start()  # replays its append-only file
    start_worker()
    sweep_as_beat_would()
    wait_until_decided(ids)
    assert_each_decided_exactly_once(ids)


def test_crash_between_commit_and_enqueue_is_recovered_by_the_sweeper(
    start_worker, redis_server, article, monkeypatch
) -> None:
    client = reader_client()
    start_worker()

    def crash(*args, **kwargs):
        raise ConnectionError("process died before the message was sent")

    with monkeypatch.context() as patch:
        patch.setattr(app, "send_task", crash)
        ids = submit(client, article.slug, 5)
    assert redis.Redis.from_url(redis_server.url).llen("moderation") == 0
    time.sleep(1)
    assert decided(ids) == 0, "no message, no decision, until the sweeper"
    sweep_as_beat_would()
    wait_until_decided(ids)
    assert_each_decided_exactly_once(ids)


def test_corrupt_model_leaves_comments_waiting_then_held_for_humans(
    start_worker, article, active_model, settings
) -> None:
    client = reader_client()
    path = Path(settings.MODELS_DIR) / "corrupt.skops"
    path.write_bytes(b"PK\x03\x04 not a model")
    ModelVersion.objects.filter(pk=active_model.pk).update(file_name=path.name)
    start_worker()
    ids = submit(client, article.slug, 3)
    deadline = time.monotonic() + 30
    while not ModelVersion.objects.get(pk=active_model.pk).load_error and time.monotonic() < deadline:
        time.sleep(0.2)

    health = client.get("/api/health/")
    assert health.status_code == 503
    assert health.json()["checks"]["model"]["ok"] is False
    assert decided(ids) == 0, "nothing is published unscored"

    settings.MODERATION_HOLD_AFTER = 60
    sweep_as_beat_would()
    statuses = set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {Comment.Status.HELD}
    reasons = set(AuditEntry.objects.filter(comment_id__in=ids).values_list("actor", "reason"))
    assert reasons == {("system", "not scored within 60 seconds")}


def test_poison_comment_is_held_and_the_worker_keeps_serving(start_worker, article) -> None:
    client = reader_client()
    start_worker(module="tests.faults.poison_worker", MODERATION_MAX_ATTEMPTS="3")
    poison = client.post(
        f"/api/articles/{article.slug}/comments/",
        {"body": f"Ein Kommentar mit {POISON_MARKER}"},
        format="json",
    ).json()["id"]
    others = submit(client, article.slug, 8)
    wait_until_decided([poison, *others], timeout=120)
    assert Comment.objects.get(pk=poison).status == Comment.Status.HELD
    entry = AuditEntry.objects.get(comment_id=poison)
    assert entry.actor == "system" and "could not be scored in 3 attempts" in entry.reason
    assert not Comment.objects.filter(pk__in=others, status=Comment.Status.HELD, score__isnull=True).exists()
    assert_each_decided_exactly_once([poison, *others])
