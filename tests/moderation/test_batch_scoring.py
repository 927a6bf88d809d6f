"""Comments decided in batches: the same decisions as one at a time, each exactly
once, in a number of queries that does not grow with the batch; a comment that
breaks the model does not stop the others; a real worker takes what waits in the
queue and acknowledges every message it took."""

import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ReaderProfile
from discussion.models import Comment
from discussion.services import comment_create
from moderation.classifier.model import ToxicityModel
from moderation.models import AuditEntry, ScoringState, StatementOfReasons, Term
from moderation.services import ScoringFailed, comment_moderate, comments_moderate
from tests.factories import CommentFactory, UserFactory
from tests.processes import WorkerProcess, worker_env

POLITE = "Danke für den ausführlichen Bericht, das war sehr informativ."
INSULT = "Du bist ein dummer Idiot, halt endlich die Fresse."
BROKEN = "BRICHT-DAS-MODELL"


def a_mix(article) -> list[Comment]:
    """Comments the policy treats differently, by readers of their own: polite,
    insulting, a banned word, a suspect word, a text posted twice by the same
    reader, a pre-moderated reader."""
    regular, twice, watched = UserFactory(), UserFactory(), UserFactory()
    ReaderProfile.objects.create(user=watched, always_premoderated=True)
    CommentFactory(article=article, author=regular, body="Ein älterer Kommentar.")
    bodies = [
        (regular, POLITE),
        (regular, INSULT),
        (UserFactory(), f"{POLITE} verbotenwort"),
        (UserFactory(), f"{POLITE} verdachtwort"),
        (twice, "Kauft hier ein!"),
        (twice, "Kauft hier ein!"),
        (watched, POLITE),
    ]
    return [comment_create(article=article, author=author, body=body) for author, body in bodies]


def decisions(comments: list[Comment]) -> list[tuple[str, str, list[str]]]:
    entries = {entry.comment_id: entry for entry in AuditEntry.objects.filter(comment__in=comments)}
    return [
        (entries[comment.pk].to_status, entries[comment.pk].reason, entries[comment.pk].details["rules"])
        for comment in comments
    ]


@pytest.mark.django_db
def test_a_batch_is_decided_as_each_comment_alone_would_be(active_model, article) -> None:
    Term.objects.create(text="verbotenwort", kind=Term.Kind.BANNED)
    Term.objects.create(text="verdachtwort", kind=Term.Kind.SUSPECT)
    alone = a_mix(article)
    for comment in alone:
        comment_moderate(comment_id=comment.pk)
    together = a_mix(article)

    result = comments_moderate(comment_ids=[comment.pk for comment in together])

    assert set(result.entries) == {comment.pk for comment in together}
    assert decisions(together) == decisions(alone)
    assert {status for status, _, _ in decisions(together)} == {"published", "held", "rejected"}


@pytest.mark.django_db
def test_each_comment_of_a_batch_is_decided_once(active_model, article, reader) -> None:
    comments = [comment_create(article=article, author=reader, body=f"{POLITE} {n}") for n in range(5)]
    ids = [comment.pk for comment in comments]
    assert len(comments_moderate(comment_ids=[*ids, ids[0], ids[1]]).entries) == 5
    assert comments_moderate(comment_ids=ids).entries == {}
    assert Counter(AuditEntry.objects.values_list("comment_id", flat=True)) == Counter(ids)
    article.refresh_from_db()
    assert article.comment_count == Comment.objects.filter(article=article, status="published").count()


@pytest.mark.django_db
def test_a_rejection_in_a_batch_gets_its_statement_of_reasons(active_model, article) -> None:
    Term.objects.create(text="verbotenwort", kind=Term.Kind.BANNED)
    comments = [
        comment_create(article=article, author=UserFactory(), body=f"{POLITE} verbotenwort {n}")
        for n in range(3)
    ]
    comments_moderate(comment_ids=[comment.pk for comment in comments])
    entries = AuditEntry.objects.filter(comment__in=comments, to_status="rejected")
    assert entries.count() == 3
    statements = StatementOfReasons.objects.filter(audit_entry__in=entries)
    assert sorted(statements.values_list("comment_id", flat=True)) == sorted(c.pk for c in comments)


def queries_for(count: int, article, django_assert_max_num_queries) -> int:
    comments = [
        comment_create(article=article, author=UserFactory(), body=f"{POLITE} {n}") for n in range(count)
    ]
    with django_assert_max_num_queries(1000) as captured:
        result = comments_moderate(comment_ids=[comment.pk for comment in comments])
    assert len(result.entries) == count
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_a_batch_takes_as_many_queries_for_forty_comments_as_for_two(
    active_model, article, django_assert_max_num_queries
) -> None:
    comment_moderate(comment_id=comment_create(article=article, author=UserFactory(), body=POLITE).pk)  # warm
    two = queries_for(2, article, django_assert_max_num_queries)
    forty = queries_for(40, article, django_assert_max_num_queries)
    assert forty == two
    assert two <= 21  # 17 queries and the two transactions' savepoints


@pytest.fixture
def breaking_model(monkeypatch) -> None:
    analyze = ToxicityModel.analyze

    def breaks_on_marker(self, text: str, top: int = 8):
        if BROKEN in text:
            raise RuntimeError("this text breaks the model")
        return analyze(self, text, top)

    monkeypatch.setattr(ToxicityModel, "analyze", breaks_on_marker)


@pytest.mark.django_db
def test_a_comment_that_breaks_the_model_does_not_stop_its_batch(
    active_model, article, reader, breaking_model, settings
) -> None:
    settings.MODERATION_MAX_ATTEMPTS = 2
    broken = comment_create(article=article, author=reader, body=f"Hallo {BROKEN}")
    others = [comment_create(article=article, author=UserFactory(), body=f"{POLITE} {n}") for n in range(3)]
    ids = [broken.pk, *(comment.pk for comment in others)]

    first = comments_moderate(comment_ids=ids)
    assert set(first.entries) == {comment.pk for comment in others}
    assert isinstance(first.failed[broken.pk], ScoringFailed)
    assert "breaks the model" in ScoringState.objects.get(pk=broken.pk).last_error
    broken.refresh_from_db()
    assert broken.status == "pending"

    second = comments_moderate(comment_ids=[broken.pk])
    broken.refresh_from_db()
    assert second.failed == {}
    assert broken.status == "held"
    assert "could not be scored in 2 attempts" in second.entries[broken.pk].reason


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_decides_a_backlog_in_batches_and_acknowledges_every_message(
    celery_broker, active_model, article, tmp_path: Path
) -> None:
    client = APIClient()
    client.force_authenticate(UserFactory())
    ids = [
        client.post(
            f"/api/articles/{article.slug}/comments/", {"body": f"{POLITE} #{n}"}, format="json"
        ).json()["id"]
        for n in range(60)
    ]
    queue = redis.Redis.from_url(celery_broker)
    assert queue.llen("moderation") == 60

    worker = WorkerProcess(
        log=tmp_path / "worker.log",
        env=worker_env(
            redis_url=celery_broker,
            models_dir=django_settings.MODELS_DIR,
            data_dir=tmp_path,
            MODERATION_BATCH_SIZE="25",
        ),
    )
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while Comment.objects.filter(pk__in=ids, status="pending").exists():
            assert time.monotonic() < deadline, worker.log()
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while queue.llen("moderation") or queue.hlen("unacked"):
            assert time.monotonic() < deadline, "a message taken for a batch was not acknowledged"
            time.sleep(0.1)
    finally:
        worker.stop()

    assert Counter(
        AuditEntry.objects.filter(comment_id__in=ids, from_status="pending").values_list(
            "comment_id", flat=True
        )
    ) == Counter(ids)
    # A batch commits its decisions together, at one time.
    batches = Counter(Comment.objects.filter(pk__in=ids).values_list("status_changed_at", flat=True))
    assert max(batches.values()) > 1
    assert len(batches) <= 60 // 2
    assert all(moment <= timezone.now() for moment in batches)
