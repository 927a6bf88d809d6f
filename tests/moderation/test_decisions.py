import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.models import F

from discussion.models import Comment, Report
from discussion.services import report_create
from moderation.decisions import comment_decide, reader_moderate
from moderation.models import AuditEntry, ReaderAuditEntry, SettingsAuditEntry
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory
from web.errors import Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="moderatorin", is_staff=True)


def held(**fields: Any) -> Comment:
    return CommentFactory(status=Comment.Status.HELD, score=0.6, **fields)


@pytest.mark.parametrize(
    ("start", "action", "reason", "end"),
    [
        ("held", "approve", "", "published"),
        ("rejected", "approve", "", "published"),
        ("held", "reject", "insult", "rejected"),
        ("published", "reject", "spam", "rejected"),
        ("published", "remove", "", "removed"),
        ("published", "remove", "hate", "removed"),
    ],
)
def test_moderator_actions_change_status_and_are_audited(moderator, start, action, reason, end) -> None:
    comment = CommentFactory(status=start, score=0.4)
    entry = comment_decide(
        comment_id=comment.pk,
        moderator=moderator,
        action=action,
        reason=reason,
        note="geprüft",
        expected_revision=comment.revision,
    )
    comment.refresh_from_db()
    assert comment.status == end
    assert (entry.actor, entry.moderator, entry.from_status, entry.to_status) == (
        "moderator",
        moderator,
        start,
        end,
    )
    # A restriction records the rule broken, "other" when none was given.
    assert entry.reason == (reason or ("other" if action == "remove" else action))
    assert entry.details["note"] == "geprüft"
    assert entry.score == 0.4


def test_approving_updates_the_articles_count(moderator) -> None:
    comment = held()
    before = comment.article.comment_count
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    comment.article.refresh_from_db()
    assert comment.article.comment_count == before + 1


def test_a_reject_without_a_reason_records_other(moderator) -> None:
    comment = held()
    entry = comment_decide(comment_id=comment.pk, moderator=moderator, action="reject")
    comment.refresh_from_db()
    assert comment.status == "rejected"
    assert entry.reason == "other"


def test_a_reject_reason_must_be_from_the_list(moderator) -> None:
    comment = held()
    with pytest.raises(InvalidInput) as error:
        comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="weil")
    assert error.value.field == "reason"
    comment.refresh_from_db()
    assert comment.status == "held"


def test_a_note_changes_nothing_but_is_kept(moderator) -> None:
    comment = held()
    entry = comment_decide(comment_id=comment.pk, moderator=moderator, action="note", note="Quelle prüfen")
    comment.refresh_from_db()
    assert comment.status == "held"
    assert (entry.from_status, entry.to_status, entry.details) == ("held", "held", {"note": "Quelle prüfen"})


def test_the_second_of_two_decisions_conflicts_and_is_recorded(moderator) -> None:
    comment = held()
    other = UserFactory(username="zweite", is_staff=True)
    comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="insult")
    with pytest.raises(Conflict, match="Er ist abgelehnt"):
        comment_decide(comment_id=comment.pk, moderator=other, action="reject", reason="hate")
    entries = list(AuditEntry.objects.filter(comment=comment).order_by("id"))
    assert [(e.moderator.username, e.from_status, e.to_status, e.reason) for e in entries] == [
        ("moderatorin", "held", "rejected", "insult"),
        ("zweite", "rejected", "rejected", "reject refused"),
    ]


def test_unknown_comment_is_not_found(moderator) -> None:
    with pytest.raises(NotFound):
        comment_decide(comment_id=2**63, moderator=moderator, action="approve", expected_revision=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_cannot_both_win() -> None:
    if connection.vendor == "sqlite":
        connection.close()  # each thread opens its own connection to the file
    comment = held()
    moderators = [UserFactory(username=f"mod{n}", is_staff=True) for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(moderator: User, action: str, reason: str) -> None:
        barrier.wait()
        try:
            comment_decide(
                comment_id=comment.pk,
                moderator=moderator,
                action=action,
                reason=reason,
                expected_status="held",
                expected_revision=1,
            )
            outcomes.append(action)
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(moderators[0], "approve", "")),
        threading.Thread(target=decide, args=(moderators[1], "reject", "insult")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["approve", "conflict"], ["conflict", "reject"])
    winner = AuditEntry.objects.exclude(from_status=F("to_status")).get(comment=comment)
    refused = AuditEntry.objects.get(comment=comment, reason__endswith="refused")
    comment.refresh_from_db()
    assert comment.status == winner.to_status
    assert refused.moderator != winner.moderator


def test_a_decision_on_text_the_moderator_did_not_see_conflicts(moderator) -> None:
    comment = held(revision=2)
    with pytest.raises(Conflict, match="in Fassung 2"):
        comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    comment.refresh_from_db()
    assert comment.status == "held"


def test_approving_without_the_revision_seen_is_refused(moderator) -> None:
    comment = held()
    with pytest.raises(InvalidInput) as error:
        comment_decide(comment_id=comment.pk, moderator=moderator, action="approve")
    assert error.value.field == "revision"
    comment.refresh_from_db()
    assert comment.status == "held"


def report(comment: Comment, n: int, reason: str = "offensive") -> None:
    for _ in range(n):
        report_create(comment_id=comment.pk, reporter=UserFactory(), reason=reason)


def test_enough_reports_move_a_published_comment_to_the_reported_queue() -> None:
    site_policy_update(source=SettingsAuditEntry.Source.ADMIN, report_threshold=3)
    comment = CommentFactory(status=Comment.Status.PUBLISHED)
    report(comment, 2)
    comment.refresh_from_db()
    assert comment.status == "published"
    report(comment, 1, reason="spam")
    comment.refresh_from_db()
    assert comment.status == "held"
    entry = AuditEntry.objects.get(comment=comment)
    assert (entry.actor, entry.reason, entry.details) == (
        "system",
        "reported 3 times",
        {"reports": ["offensive", "offensive", "spam"]},
    )


def test_after_a_moderators_approval_more_reports_do_not_requeue_that_text(moderator) -> None:
    site_policy_update(source=SettingsAuditEntry.Source.ADMIN, report_threshold=2)
    comment = CommentFactory(status=Comment.Status.PUBLISHED)
    report(comment, 2)
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    assert not Report.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    report(comment, 3)
    comment.refresh_from_db()
    assert comment.status == "published"


def test_approving_closes_the_open_reports_of_earlier_texts_too(moderator) -> None:
    comment = held(revision=2)
    for revision in (1, 2):
        Report.objects.create(
            comment=comment, reporter=UserFactory(), reason="spam", comment_revision=revision
        )
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=2)
    assert not Report.objects.filter(comment=comment, resolved_at__isnull=True).exists()


def test_reader_restrictions_are_audited(moderator) -> None:
    from datetime import timedelta

    from django.utils import timezone

    reader = UserFactory()
    until = timezone.now() + timedelta(days=7)
    reader_moderate(reader=reader, moderator=moderator, action="suspend", reason="Beleidigungen", until=until)
    reader_moderate(reader=reader, moderator=moderator, action="premoderate")
    reader_moderate(reader=reader, moderator=moderator, action="ban", reason="wiederholt")
    profile = reader.reader_profile
    profile.refresh_from_db()
    assert (profile.banned, profile.always_premoderated, profile.suspended_until) == (True, True, until)
    log = list(ReaderAuditEntry.objects.filter(reader=reader).order_by("id").values_list("action", "reason"))
    assert log == [("suspend", "Beleidigungen"), ("premoderate", ""), ("ban", "wiederholt")]
    with pytest.raises(InvalidInput):
        reader_moderate(reader=reader, moderator=moderator, action="suspend", reason="x")


@pytest.mark.parametrize("before", ["published", "held", "rejected"])
def test_restore_undoes_a_moderators_removal(moderator, before: str) -> None:
    comment = CommentFactory(status=before)
    comment_decide(comment_id=comment.pk, moderator=moderator, action="remove")
    entry = comment_decide(comment_id=comment.pk, moderator=moderator, action="restore")
    comment.refresh_from_db()
    assert comment.status == before == entry.to_status


def test_what_its_author_deleted_cannot_be_restored(moderator) -> None:
    comment = CommentFactory(status=Comment.Status.REMOVED)
    AuditEntry.objects.create(
        comment=comment, comment_revision=1, actor="author", from_status="published", to_status="removed"
    )
    with pytest.raises(Conflict, match="von der Moderation entfernter"):
        comment_decide(comment_id=comment.pk, moderator=moderator, action="restore")
    comment.refresh_from_db()
    assert comment.status == "removed"


def test_a_long_list_of_rules_fits_the_audit_log(active_model, article) -> None:
    from discussion.services import comment_create
    from moderation.models import Term
    from moderation.services import comment_moderate

    for n in range(40):
        Term.objects.create(text=f"schimpfwort{n}", kind=Term.Kind.SUSPECT)
    body = " ".join(f"schimpfwort{n} schimpfwort{n}" for n in range(40))
    comment = comment_create(article=article, author=UserFactory(), body=body)
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None and entry.to_status in {"held", "rejected"}
    assert len(entry.reason) == 255
    assert len(entry.details["rules"]) == len(set(entry.details["rules"])) >= 40
