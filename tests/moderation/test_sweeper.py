import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from discussion.models import Comment
from moderation.modelops import registry
from moderation.modelops.registry import NoActiveModel
from moderation.models import AuditEntry, ModelVersion, ScoringState
from moderation.selectors import model_status
from moderation.services import ScoringFailed, _count_attempt, comment_moderate, comments_sweep_pending
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def pending_since(seconds: float, **fields) -> Comment:
    changed = timezone.now() - timedelta(seconds=seconds)
    return CommentFactory(
        status=Comment.Status.PENDING, created_at=changed, status_changed_at=changed, **fields
    )


def test_stale_pending_comments_are_sent_again_once_per_interval(
    settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_SWEEP_AFTER, settings.MODERATION_HOLD_AFTER = 60, 900
    stale = pending_since(120)
    fresh = pending_since(5)
    CommentFactory(status=Comment.Status.PUBLISHED, status_changed_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks() as sends:
        result = comments_sweep_pending()
    assert result.requeued == [stale.pk] and result.held == []
    assert len(sends) == 1
    assert fresh.pk not in result.requeued

    with django_capture_on_commit_callbacks() as sends:
        assert comments_sweep_pending().requeued == []
    assert sends == [], "a comment just sent again is not sent a second time"

    later = timezone.now() + timedelta(seconds=61)
    assert comments_sweep_pending(now=later).requeued == [stale.pk, fresh.pk]


def test_comments_waiting_too_long_go_to_a_human(settings):
    settings.MODERATION_SWEEP_AFTER, settings.MODERATION_HOLD_AFTER = 60, 900
    forgotten = pending_since(1000)
    result = comments_sweep_pending()
    assert result.held == [forgotten.pk]
    forgotten.refresh_from_db()
    assert forgotten.status == Comment.Status.HELD
    entry = AuditEntry.objects.get(comment=forgotten)
    assert (entry.actor, entry.from_status, entry.to_status) == ("system", "pending", "held")
    assert entry.reason == "not scored within 900 seconds"


def break_scoring(monkeypatch) -> None:
    loaded = registry.active_model()

    def explode(text, top=8):
        raise RuntimeError("vectoriser exploded")

    monkeypatch.setattr(loaded.model, "analyze", explode)


def test_a_comment_that_cannot_be_scored_is_held_after_the_attempt_limit(settings, active_model, monkeypatch):
    settings.MODERATION_MAX_ATTEMPTS = 3
    comment = pending_since(0)
    break_scoring(monkeypatch)
    for _ in range(2):
        with pytest.raises(ScoringFailed):
            comment_moderate(comment_id=comment.pk)
        comment.refresh_from_db()
        assert comment.status == Comment.Status.PENDING
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert entry is not None and entry.actor == "system"
    assert "could not be scored in 3 attempts" in entry.reason
    assert "vectoriser exploded" in ScoringState.objects.get(pk=comment.pk).last_error


def test_an_attempt_that_killed_its_worker_counts(settings, active_model):
    settings.MODERATION_MAX_ATTEMPTS = 3
    comment = pending_since(0)
    # Three earlier attempts began and never finished (their worker died).
    ScoringState.objects.create(comment=comment, revision=comment.revision, attempts=3)
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None and entry.to_status == "held" and entry.score is None


def test_a_new_revision_starts_counting_afresh(settings, active_model):
    settings.MODERATION_MAX_ATTEMPTS = 3
    comment = pending_since(0, revision=2)
    ScoringState.objects.create(comment=comment, revision=1, attempts=3)
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None and entry.actor == "model"
    assert ScoringState.objects.get(pk=comment.pk).attempts == 1


def test_a_model_that_cannot_be_loaded_is_reported_and_then_cleared(active_model, settings):
    path = settings.MODELS_DIR / active_model.file_name
    original = path.read_bytes()
    ModelVersion.objects.filter(pk=active_model.pk).update(sha256="0" * 64)
    comment = pending_since(0)
    with pytest.raises(NoActiveModel):
        comment_moderate(comment_id=comment.pk)
    status = model_status()
    assert status["ok"] is False and "checksum" in status["error"]
    assert "checksum" in ModelVersion.objects.get(pk=active_model.pk).load_error

    ModelVersion.objects.filter(pk=active_model.pk).update(sha256=active_model.sha256)
    assert path.read_bytes() == original
    assert comment_moderate(comment_id=comment.pk) is not None
    assert ModelVersion.objects.get(pk=active_model.pk).load_error == ""
    assert model_status()["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_a_sweep_and_a_worker_counting_its_attempt_on_the_same_comment_do_not_deadlock(settings, monkeypatch):
    """The sweep has claimed a stale comment; before it records the re-send, a
    worker picks the same comment up and inserts its ScoringState row. Both must
    finish: neither may wait for the other."""
    if connection.vendor != "postgresql":
        pytest.skip("about PostgreSQL's row locks")
    settings.MODERATION_SWEEP_AFTER, settings.MODERATION_HOLD_AFTER = 60, 900
    comment = pending_since(120)
    outcome: dict[str, object] = {}

    def worker() -> None:
        try:
            outcome["attempts"] = _count_attempt(comment_id=comment.pk, revision=comment.revision)
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    bulk_create = ScoringState.objects.bulk_create

    def worker_first(*args, **kwargs):
        if threading.current_thread() is thread:  # the worker's own insert
            return bulk_create(*args, **kwargs)
        thread.start()
        deadline = time.monotonic() + 10
        while thread.is_alive() and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0]:
                    break  # the worker waits for a lock this sweep holds
            time.sleep(0.05)
        return bulk_create(*args, **kwargs)

    monkeypatch.setattr(ScoringState.objects, "bulk_create", worker_first)
    result = comments_sweep_pending()
    thread.join(timeout=10)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["attempts"] == 1
    assert result.requeued == [comment.pk]
    state = ScoringState.objects.get(pk=comment.pk)
    assert (state.attempts, state.enqueued_at is not None) == (1, True)
