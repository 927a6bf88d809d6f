"""Every restriction of a comment or an account comes with its statement of reasons,
saying what automation did (DSA Art. 17(3)(c)) and on which ground."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from discussion.models import Comment
from discussion.services import comment_delete
from moderation.decisions import comment_decide, reader_moderate
from moderation.dsa.statements import statements_for_long_holds
from moderation.models import AuditEntry, StatementOfReasons
from moderation.services import comment_moderate, site_policy_update
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
Automation = StatementOfReasons.Automation


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="moderatorin", is_staff=True)


def thresholds(publish_below: float, reject_above: float) -> None:
    site_policy_update(
        source="command", publish_below=publish_below, reject_above=reject_above, new_account_hold_count=0
    )


def test_a_rejection_by_the_classifier_is_fully_automated(active_model) -> None:
    thresholds(0.0, 0.0)
    comment = CommentFactory(status=Comment.Status.PENDING)
    comment_moderate(comment_id=comment.pk)
    statement = StatementOfReasons.objects.get(comment=comment)
    assert statement.restriction == "rejected"
    assert statement.reader == comment.author
    assert (statement.automated_detection, statement.automated_decision) == (True, Automation.FULLY)
    assert (statement.ground, statement.terms_ground) == ("terms", "model")
    assert statement.audit_entry.actor == AuditEntry.Actor.MODEL


def test_a_moderator_confirming_what_the_classifier_held_decides_partially_automated(
    active_model, moderator
) -> None:
    thresholds(0.0, 1.0)
    comment = CommentFactory(status=Comment.Status.PENDING)
    comment_moderate(comment_id=comment.pk)
    assert not StatementOfReasons.objects.exists()  # a fresh hold restricts nothing yet
    comment_decide(
        comment_id=comment.pk,
        moderator=moderator,
        action="reject",
        reason="insult",
        legal_ground="stgb_185",
        explanation="Sie nennen einen anderen Leser einen Idioten.",
        expected_revision=1,
    )
    statement = StatementOfReasons.objects.get(comment=comment)
    assert (statement.automated_detection, statement.automated_decision) == (True, Automation.PARTIALLY)
    assert (statement.ground, statement.legal_ground, statement.terms_ground) == (
        "illegal",
        "stgb_185",
        "insult",
    )
    assert statement.explanation == "Sie nennen einen anderen Leser einen Idioten."
    assert statement.source == "voluntary"


def test_a_removal_a_human_found_is_not_automated(moderator) -> None:
    comment = CommentFactory()
    comment_decide(comment_id=comment.pk, moderator=moderator, action="remove", reason="spam")
    statement = StatementOfReasons.objects.get(comment=comment)
    assert statement.restriction == "removed"
    assert (statement.automated_detection, statement.automated_decision) == (False, Automation.NOT_AUTOMATED)
    assert (statement.ground, statement.terms_ground) == ("terms", "spam")


def test_what_restricts_nothing_has_no_statement(moderator) -> None:
    mine = CommentFactory()
    comment_delete(comment_id=mine.pk, user=mine.author)
    held = CommentFactory(status=Comment.Status.HELD)
    comment_decide(comment_id=held.pk, moderator=moderator, action="approve", expected_revision=1)
    comment_decide(comment_id=held.pk, moderator=moderator, action="note", note="Leserin bekannt")
    assert not StatementOfReasons.objects.exists()


def test_an_unknown_legal_ground_is_refused_and_nothing_changes(moderator) -> None:
    from web.errors import InvalidInput

    comment = CommentFactory()
    with pytest.raises(InvalidInput) as refused:
        comment_decide(comment_id=comment.pk, moderator=moderator, action="remove", legal_ground="stgb_999")
    assert refused.value.field == "legal_ground"
    comment.refresh_from_db()
    assert comment.status == "published"
    assert not StatementOfReasons.objects.exists()


def test_suspending_and_banning_a_reader_are_restrictions_with_their_end(moderator) -> None:
    reader = UserFactory()
    until = timezone.now() + timedelta(days=7)
    reader_moderate(
        reader=reader, moderator=moderator, action="suspend", reason="Wiederholte Beleidigungen", until=until
    )
    reader_moderate(reader=reader, moderator=moderator, action="lift")
    reader_moderate(reader=reader, moderator=moderator, action="ban", reason="Drohungen")
    suspended, banned = StatementOfReasons.objects.filter(reader=reader).order_by("id")
    assert (suspended.restriction, suspended.end_date, suspended.explanation) == (
        "suspended",
        until,
        "Wiederholte Beleidigungen",
    )
    assert (banned.restriction, banned.end_date, banned.terms_ground) == ("banned", None, "account")
    assert banned.automated_decision == Automation.NOT_AUTOMATED


def test_a_comment_held_longer_than_the_site_allows_gets_one_statement(active_model) -> None:
    thresholds(0.0, 1.0)
    site_policy_update(source="command", held_statement_after_hours=24)
    comment = CommentFactory(status=Comment.Status.PENDING)
    comment_moderate(comment_id=comment.pk)
    soon = timezone.now() + timedelta(hours=23)
    assert statements_for_long_holds(now=soon) == []
    later = timezone.now() + timedelta(hours=25)
    (statement,) = statements_for_long_holds(now=later)
    assert statement.restriction == "held"
    assert (statement.automated_detection, statement.automated_decision) == (True, Automation.FULLY)
    assert statements_for_long_holds(now=later + timedelta(hours=1)) == []


def test_a_moderator_names_the_legal_ground_through_the_moderation_api(moderator) -> None:
    from moderation.permissions import moderators_group
    from tests.factories import client_for

    moderator.groups.add(moderators_group())
    client = client_for(moderator)
    comment = CommentFactory()
    url = f"/api/moderation/comments/{comment.pk}/decision/"
    wrong = client.post(url, {"action": "remove", "legal_ground": "stgb_999"}, format="json")
    assert wrong.status_code == 400 and "legal_ground" in wrong.json()
    answer = client.post(
        url,
        {
            "action": "remove",
            "reason": "threat",
            "legal_ground": "stgb_241",
            "explanation": "Eine Drohung gegen einen Leser.",
            "manifestly_illegal": True,
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    statement = StatementOfReasons.objects.get(comment=comment)
    assert (statement.ground, statement.legal_ground, statement.terms_ground) == (
        "illegal",
        "stgb_241",
        "threat",
    )
    assert (statement.explanation, statement.manifestly_illegal) == ("Eine Drohung gegen einen Leser.", True)
