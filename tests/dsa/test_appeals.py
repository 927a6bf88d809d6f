"""Authors see the reasons for a restriction and appeal it; a different moderator
decides; a reversal puts things back and tells the people concerned (DSA Art. 17, 20)."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.decisions import comment_decide, reader_moderate
from moderation.dsa.appeals import appeal_decide
from moderation.models import Appeal, AuditEntry, Notice, StatementOfReasons
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory
from web.errors import Forbidden

pytestmark = pytest.mark.django_db


@pytest.fixture
def first() -> User:
    return UserFactory(username="erste", is_staff=True)


@pytest.fixture
def second() -> User:
    return UserFactory(username="zweite", is_staff=True)


def client_of(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def removed_by(moderator: User, **decision) -> Comment:
    comment = CommentFactory(author=UserFactory(email="autorin@example.org"))
    comment_decide(comment_id=comment.pk, moderator=moderator, action="remove", **decision)
    return comment


def test_the_author_is_mailed_the_statement_of_reasons(first, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = removed_by(
            first,
            reason="insult",
            legal_ground="stgb_185",
            explanation="Beleidigung eines Lesers: \"Idiot\" & 'Depp'.",
        )
    (mail,) = mailoutbox
    assert mail.to == ["autorin@example.org"]
    assert "§ 185 StGB" in mail.body
    # A plain-text mail: the moderator's words as written, not HTML-escaped.
    assert "Beleidigung eines Lesers: \"Idiot\" & 'Depp'." in mail.body
    assert "/api/me/decisions/" in mail.body
    assert StatementOfReasons.objects.get(comment=comment).notified_at is not None


def test_the_author_reads_the_decision_and_nobody_else_does(first) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    comment_decide(
        comment_id=comment.pk, moderator=first, action="reject", reason="spam", expected_revision=1
    )
    author = client_of(comment.author)
    (decision,) = author.get("/api/me/decisions/").json()
    assert decision["restriction"] == "rejected"
    assert decision["restriction_text"] == "Your comment was not published."
    assert decision["ground_text"] == "It breaks our discussion rules: Netiquette: advertising and spam."
    assert decision["facts"].startswith("A moderator reviewed the content on our own initiative.")
    assert decision["redress"]["appealable_until"] is not None
    shown = author.get(f"/api/comments/{comment.pk}/").json()
    assert shown["status"] == "rejected"
    assert shown["statement"]["id"] == decision["id"]
    assert client_of(UserFactory()).get("/api/me/decisions/").json() == []
    assert APIClient().get("/api/me/decisions/").status_code == 401


def test_an_appeal_reversed_by_another_moderator_restores_the_comment(
    first, second, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    comment = removed_by(first, reason="insult")
    statement = StatementOfReasons.objects.get(comment=comment)
    author = client_of(comment.author)
    answer = author.post(
        f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Das war Ironie."}, format="json"
    )
    assert answer.status_code == 201, answer.content
    again = author.post(
        f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Noch einmal."}, format="json"
    )
    assert again.status_code == 409
    appeal = Appeal.objects.get()
    with pytest.raises(Forbidden):
        appeal_decide(appeal_id=appeal.pk, moderator=first, outcome="reversed", explanation="Ironie.")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(
            appeal_id=appeal.pk,
            moderator=second,
            outcome="reversed",
            explanation='Erkennbar Ironie ("Satire" & Co).',
        )
    comment.refresh_from_db()
    assert comment.status == "published"
    statement.refresh_from_db()
    assert statement.revoked_at is not None
    restore = AuditEntry.objects.filter(comment=comment).last()
    assert (restore.moderator, restore.to_status, restore.details["note"]) == (
        second,
        "published",
        f"appeal {appeal.pk} reversed",
    )
    (mail,) = mailoutbox
    assert mail.to == ["autorin@example.org"]
    assert 'Erkennbar Ironie ("Satire" & Co).' in mail.body
    (decision,) = author.get("/api/me/decisions/").json()
    assert decision["appeal"]["status"] == "reversed"
    assert decision["redress"]["appealable_until"] is None


def test_an_upheld_suspension_stays(first, second) -> None:
    reader = UserFactory()
    reader_moderate(
        reader=reader,
        moderator=first,
        action="suspend",
        reason="Drohung",
        until=timezone.now() + timedelta(days=3),
    )
    statement = StatementOfReasons.objects.get(reader=reader)
    client_of(reader).post(f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Bitte."}, format="json")
    appeal_decide(
        appeal_id=Appeal.objects.get().pk, moderator=second, outcome="upheld", explanation="Eindeutig."
    )
    reader.reader_profile.refresh_from_db()
    assert reader.reader_profile.suspended_until is not None
    statement.refresh_from_db()
    assert statement.revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"), [({}, "text"), ({"text": " "}, "text"), ({"text": "x" * 5001}, "text")]
)
def test_an_appeal_without_reasons_is_refused(first, body, field) -> None:
    comment = removed_by(first)
    statement = StatementOfReasons.objects.get(comment=comment)
    answer = client_of(comment.author).post(
        f"/api/me/decisions/{statement.puid}/appeal/", body, format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Appeal.objects.exists()


def test_appeals_can_be_switched_off_and_expire(first) -> None:
    comment = removed_by(first)
    statement = StatementOfReasons.objects.get(comment=comment)
    author = client_of(comment.author)
    site_policy_update(source="command", appeals_enabled=False)
    off = author.post(f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Bitte."}, format="json")
    assert off.status_code == 409
    site_policy_update(source="command", appeals_enabled=True)
    StatementOfReasons.objects.filter(pk=statement.pk).update(created_at=timezone.now() - timedelta(days=200))
    late = author.post(f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Bitte."}, format="json")
    assert late.status_code == 409
    other = client_of(UserFactory()).post(
        f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Bitte."}, format="json"
    )
    assert other.status_code == 404


def test_a_notifier_appeals_a_refused_notice_and_the_comment_is_removed(first, second) -> None:
    comment = CommentFactory()
    notice = Notice.objects.create(
        token_hash=hashlib.sha256(b"geheim").hexdigest(),
        comment=comment,
        comment_revision=1,
        legal_ground="stgb_130",
        explanation="Volksverhetzung gegen eine Gruppe.",
        notifier_email="melder@example.org",
        good_faith=True,
        status=Notice.Status.REFUSED,
        decided_by=first,
        decided_at=timezone.now(),
    )
    wrong = APIClient().post(
        f"/api/notices/{notice.reference}/appeal/",
        {"text": "Bitte prüfen."},
        format="json",
        HTTP_X_NOTICE_TOKEN="x",
    )
    assert wrong.status_code == 404
    answer = APIClient().post(
        f"/api/notices/{notice.reference}/appeal/",
        {"text": "Bitte erneut prüfen."},
        format="json",
        HTTP_X_NOTICE_TOKEN="geheim",
    )
    assert answer.status_code == 201, answer.content
    appeal_decide(
        appeal_id=answer.json()["id"], moderator=second, outcome="reversed", explanation="Doch strafbar."
    )
    comment.refresh_from_db()
    assert comment.status == "removed"
    statement = StatementOfReasons.objects.get(comment=comment)
    assert (statement.source, statement.notice, statement.legal_ground) == ("notice", notice, "stgb_130")
    notice.refresh_from_db()
    assert notice.status == "actioned"


def test_a_second_moderator_decides_the_appeal_in_the_admin(first, second) -> None:
    from django.test import Client

    from moderation.permissions import moderators_group

    for moderator in (first, second):
        moderator.groups.add(moderators_group())
    comment = removed_by(first, reason="insult")
    statement = StatementOfReasons.objects.get(comment=comment)
    client_of(comment.author).post(
        f"/api/me/decisions/{statement.puid}/appeal/", {"text": "Ironie."}, format="json"
    )
    appeal = Appeal.objects.get()
    url = f"/admin/moderation/appeal/{appeal.pk}/change/"
    queue = Client()
    queue.force_login(first)
    assert (
        "Ironie." in queue.get("/admin/moderation/appeal/").content.decode()
        or queue.get(url).status_code == 200
    )
    refused = queue.post(url, {"outcome": "reversed", "reasons": "Passt schon."})
    assert refused.status_code == 200
    assert "entscheidet eine andere Person aus der Moderation" in refused.content.decode()
    assert Appeal.objects.get().status == "open"
    other = Client()
    other.force_login(second)
    page = other.get(url).content.decode()
    assert "Ironie." in page
    done = other.post(url, {"outcome": "reversed", "reasons": "Erkennbar Ironie."})
    assert done.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("reversed", second)
    comment.refresh_from_db()
    assert comment.status == "published"


def test_the_appeals_and_the_statements_speak_german_to_a_moderator(first) -> None:
    from django.test import Client

    from moderation.permissions import moderators_group

    first.groups.add(moderators_group())
    statement = StatementOfReasons.objects.get(comment=removed_by(first, reason="insult"))
    appeal = Appeal.objects.create(statement=statement, text="Ironie.")
    client = Client()
    client.force_login(first)

    queue = client.get("/admin/moderation/appeal/").content.decode()
    assert "Widerspruch zur Änderung auswählen" in queue
    assert ">Eingegangen<" in queue and ">Gegen<" in queue
    assert f"Kommentar entfernt: Kommentar {statement.comment_id}" in queue
    page = client.get(f"/admin/moderation/appeal/{appeal.pk}/change/").content.decode()
    assert "Entscheidung bestätigen" in page and "Entscheidung aufheben" in page
    statements = client.get("/admin/moderation/statementofreasons/").content.decode()
    assert "Begründung zum Ansehen auswählen" in statements
    assert ">Beschränkung<" in statements and ">Grund nach den Nutzungsbedingungen<" in statements


def test_the_list_of_decisions_costs_the_same_queries_for_one_or_many(first) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    author = UserFactory()
    client = client_of(author)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/me/decisions/").status_code == 200
        return len(captured)

    comment_decide(comment_id=CommentFactory(author=author).pk, moderator=first, action="remove")
    one = queries()
    for _ in range(4):
        comment_decide(comment_id=CommentFactory(author=author).pk, moderator=first, action="remove")
    assert queries() == one
