"""Notices of illegal content (DSA Art. 16): anyone sends one about a comment, gets a
confirmation with a reference and a secret, a moderator decides in the admin, and the
notifier is told the outcome, whether automated means were used and the redress."""

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from rest_framework.test import APIClient

from discussion.models import Comment
from moderation.dsa.grounds import LEGAL_GROUNDS
from moderation.dsa.notices import notice_create, notice_decide, notices_send_due
from moderation.models import AuditEntry, MisuseStep, Notice, StatementOfReasons
from moderation.permissions import moderators_group
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory
from web.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db

EXPLANATION = "Der Kommentar beleidigt eine namentlich genannte Person als Verbrecher."
NOTICES = "/api/notices/"


@pytest.fixture
def comment() -> Comment:
    return CommentFactory(body="Herr Müller ist ein Verbrecher und gehört eingesperrt.")


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def send(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """POST a notice in English (wording checked in English: the catalogue is built
    later) and run what waits for the commit, as a real request would."""

    def post(body: dict[str, Any], client: APIClient | None = None, **headers: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or APIClient()).post(
                NOTICES, body, format="json", **{"HTTP_ACCEPT_LANGUAGE": "en", **headers}
            )

    return post


def valid(about: Comment, **changes: Any) -> dict[str, Any]:
    return {
        "comment": about.pk,
        "legal_ground": "stgb_186",
        "explanation": EXPLANATION,
        "notifier_name": "Erika Muster",
        "notifier_email": "erika@example.org",
        "good_faith": True,
        **changes,
    }


def follow(reference: str, token: str | None, **extra: Any) -> Any:
    headers = {"HTTP_X_NOTICE_TOKEN": token} if token is not None else {}
    return APIClient().get(f"{NOTICES}{reference}/", HTTP_ACCEPT_LANGUAGE="en", **headers, **extra)


# --- Sending a notice ---------------------------------------------------------


def test_anyone_sends_a_notice_and_gets_a_reference_a_secret_and_a_receipt(send, comment, mailoutbox) -> None:
    response = send(valid(comment))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "reference",
        "token",
        "status",
        "received_at",
        "comment",
        "legal_ground",
        "receipt_sent",
    }
    assert (body["status"], body["comment"], body["legal_ground"]) == ("open", comment.pk, "stgb_186")
    notice = Notice.objects.get(reference=body["reference"])
    assert notice.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in str(Notice.objects.values().get())
    assert notice.notifier is None
    assert notice.language == "en"
    assert notice.comment_revision == comment.revision
    assert notice.comment_url.endswith(f"/articles/{comment.article.slug}/#comment-{comment.pk}")
    [receipt] = mailoutbox
    assert receipt.to == ["erika@example.org"]
    assert body["reference"] in receipt.subject
    assert "What happens next" in receipt.body
    assert f"/notices/{body['reference']}/?token={body['token']}" in receipt.body
    notice.refresh_from_db()
    assert notice.receipt_sent_at is not None


def test_the_receipt_speaks_the_notifiers_language(send, comment, mailoutbox) -> None:
    response = send(valid(comment), HTTP_ACCEPT_LANGUAGE="de")
    assert Notice.objects.get(reference=response.json()["reference"]).language == "de"


def test_a_signed_in_reader_sends_a_notice_as_themself(send, comment, reader, reader_client) -> None:
    response = send(valid(comment), client=reader_client)
    assert response.status_code == 201
    assert Notice.objects.get().notifier == reader


def test_a_notice_about_child_abuse_material_needs_no_name_or_address(send, comment, mailoutbox) -> None:
    body = valid(comment, legal_ground="stgb_184b", notifier_name="", notifier_email="")

    response = send(body)

    assert response.status_code == 201, response.content
    assert response.json()["receipt_sent"] is False
    assert (Notice.objects.get().notifier_name, Notice.objects.get().notifier_email) == ("", "")
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"comment": 10**9}, "comment"),
        ({"comment": "eins"}, "comment"),
        ({"legal_ground": "stgb_999"}, "legal_ground"),
        ({"legal_ground": "other"}, "legal_ground_other"),
        ({"legal_ground": "other", "legal_ground_other": "   "}, "legal_ground_other"),
        ({"explanation": "Ist verboten."}, "explanation"),
        ({"explanation": ""}, "explanation"),
        ({"explanation": "x" * 5001}, "explanation"),
        ({"explanation": "Beleidigung\x00 eines Menschen, klar strafbar"}, "explanation"),
        ({"notifier_name": ""}, "notifier_name"),
        ({"notifier_email": ""}, "notifier_email"),
        ({"notifier_email": "erika(at)example.org"}, "notifier_email"),
        ({"good_faith": False}, "good_faith"),
        ({"good_faith": None}, "good_faith"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(send, comment, changes, field) -> None:
    response = send(valid(comment, **changes))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Notice.objects.exists()


@pytest.mark.parametrize("field", ["comment", "legal_ground", "explanation", "good_faith"])
def test_a_missing_field_is_named(send, comment, field) -> None:
    body = valid(comment)
    del body[field]
    response = send(body)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("status", ["pending", "held", "rejected", "removed"])
def test_a_comment_the_public_cannot_see_is_answered_as_one_that_does_not_exist(send, status) -> None:
    hidden = CommentFactory(status=status)

    response = send(valid(hidden))

    assert response.status_code == 400
    assert response.json() == send(valid(hidden, comment=10**9)).json()


def test_a_notice_must_be_json(comment) -> None:
    response = APIClient().post(NOTICES, valid(comment))  # a form, not JSON
    assert response.status_code == 415


def test_a_second_open_notice_from_the_same_address_is_a_409_with_the_first_reference(
    send, comment, mailoutbox
) -> None:
    first = send(valid(comment)).json()

    again = send(valid(comment, notifier_email="Erika@Example.org", explanation=EXPLANATION + " Nochmal."))

    assert again.status_code == 409
    assert again.json()["reference"] == first["reference"]
    assert Notice.objects.count() == 1
    assert len(mailoutbox) == 1


def test_after_a_decision_the_same_address_may_send_another_notice(send, comment, moderator) -> None:
    first = send(valid(comment)).json()
    notice_decide(
        notice_id=Notice.objects.get(reference=first["reference"]).pk,
        moderator=moderator,
        action="refuse",
        explanation="Meinungsäußerung.",
    )
    assert send(valid(comment)).status_code == 201


def test_a_suspended_notifier_gets_a_403_with_the_date(send, comment, moderator) -> None:
    site_policy_update(source="command", misuse_enabled=True)
    until = timezone.now() + timedelta(days=10)
    MisuseStep.objects.create(
        subject=MisuseStep.Subject.NOTICES,
        kind=MisuseStep.Kind.SUSPENSION,
        notifier_email="erika@example.org",
        count=3,
        until=until,
        moderator=moderator,
    )

    response = send(valid(comment))

    assert response.status_code == 403
    assert response.json()["code"] == "notices_suspended"
    with translation.override("en"):
        assert date_format(timezone.localtime(until), "DATETIME_FORMAT") in response.json()["detail"]
    assert response.json()["until"].startswith(f"{timezone.localtime(until):%Y-%m-%d}")
    assert not Notice.objects.exists()

    site_policy_update(source="command", misuse_enabled=False)
    assert send(valid(comment)).status_code == 201


def test_a_failed_receipt_stays_unsent_and_the_periodic_task_sends_it(send, comment, settings) -> None:
    settings.EMAIL_BACKEND = "tests.dsa.test_notices.FailingBackend"
    response = send(valid(comment))
    assert response.json()["receipt_sent"] is False
    notice = Notice.objects.get()
    assert notice.receipt_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert notices_send_due() == 0  # too fresh: the request's own sender may still be at it
    assert notices_send_due(now=timezone.now() + timedelta(minutes=5)) == 1
    assert notices_send_due(now=timezone.now() + timedelta(minutes=5)) == 0

    [receipt] = mail.outbox
    assert str(notice.reference) in receipt.subject
    assert "?token=" not in receipt.body  # the secret is not stored, so not in a later mail
    notice.refresh_from_db()
    assert notice.receipt_sent_at is not None


class FailingBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("the mail server is down")


# --- Following it with the token ----------------------------------------------


def test_the_notifier_follows_the_notice_with_the_token(send, comment) -> None:
    created = send(valid(comment)).json()

    by_header = follow(created["reference"], created["token"])
    by_query = follow(created["reference"], None, data={"token": created["token"]})

    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    assert by_header.json() | {"received_at": None} == {
        "reference": created["reference"],
        "status": "open",
        "received_at": None,
        "comment": comment.pk,
        "legal_ground": "stgb_186",
        "decision": None,
        "explanation": "",
        "automated_means": None,
        "decided_at": None,
        "appealable_until": None,
    }
    assert "no-store" in by_header["Cache-Control"]


@pytest.mark.parametrize("token", [None, "", "falsch", "x" * 43])
def test_without_the_right_token_the_notice_does_not_exist(send, comment, token) -> None:
    created = send(valid(comment)).json()

    response = follow(created["reference"], token)

    assert response.status_code == 404
    assert response.json() == follow("00000000-0000-4000-8000-000000000000", created["token"]).json()


def test_the_legal_grounds_for_the_form() -> None:
    response = APIClient().get(f"{NOTICES}grounds/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    grounds = {ground["code"]: ground for ground in response.json()["results"]}
    assert list(grounds) == list(LEGAL_GROUNDS)
    assert grounds["stgb_130"]["label"].startswith("§ 130 StGB")
    assert [code for code, ground in grounds.items() if ground["anonymous_notice_allowed"]] == ["stgb_184b"]


# --- Deciding -----------------------------------------------------------------


def created(comment: Comment, **changes: Any) -> tuple[Notice, str]:
    """A notice as an anonymous visitor sends it, in English."""
    fields = valid(comment, **changes)
    return notice_create(comment_id=fields.pop("comment"), notifier=AnonymousUser(), language="en", **fields)


def decide(captured, **kwargs: Any) -> Notice:
    with captured(execute=True):
        return notice_decide(**kwargs)


def test_removing_on_a_notice_gives_the_author_a_statement_from_the_notice(
    comment, moderator, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    notice, token = created(comment)

    decided = decide(
        django_capture_on_commit_callbacks,
        notice_id=notice.pk,
        moderator=moderator,
        action="remove",
        legal_ground="stgb_187",
        reason="insult",
        explanation="Eine unwahre Tatsachenbehauptung über Herrn Müller.",
        manifestly_illegal=True,
    )

    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    statement = StatementOfReasons.objects.get(comment=comment)
    assert (statement.source, statement.notice, statement.reader) == ("notice", notice, comment.author)
    assert (statement.ground, statement.legal_ground, statement.terms_ground) == (
        "illegal",
        "stgb_187",
        "insult",
    )
    assert statement.explanation == "Eine unwahre Tatsachenbehauptung über Herrn Müller."
    assert statement.manifestly_illegal
    decided.refresh_from_db()
    assert (decided.status, decided.decided_by, decided.automated_means) == ("actioned", moderator, False)
    assert decided.decided_at is not None and decided.decision_sent_at is not None

    [decision] = [message for message in mailoutbox if "decision" in message.subject]
    assert decision.to == ["erika@example.org"]
    assert "We have removed the comment" in decision.body
    assert "§ 187 StGB" in decision.body
    assert "Automated means: No." in decision.body
    assert "Eine unwahre Tatsachenbehauptung" in decision.body

    followed = follow(str(notice.reference), token).json()
    assert (followed["status"], followed["decision"], followed["automated_means"]) == (
        "actioned",
        "removed",
        False,
    )
    assert followed["appealable_until"] is None


def test_every_open_notice_about_the_removed_comment_is_actioned_together(
    comment, moderator, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    first, _ = created(comment)
    second, _ = created(comment, notifier_email="max@example.org", notifier_name="Max")
    other, _ = created(CommentFactory())

    decide(django_capture_on_commit_callbacks, notice_id=second.pk, moderator=moderator, action="remove")

    states = dict(Notice.objects.values_list("pk", "status"))
    assert states == {first.pk: "actioned", second.pk: "actioned", other.pk: "open"}
    assert sorted(m.to[0] for m in mailoutbox if "decision" in m.subject) == [
        "erika@example.org",
        "max@example.org",
    ]
    assert StatementOfReasons.objects.get(comment=comment).legal_ground == "stgb_186"  # the notice's ground


def test_a_comment_the_classifier_flagged_was_processed_with_automated_means(
    moderator, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    comment = CommentFactory(status=Comment.Status.HELD)
    AuditEntry.objects.create(
        comment=comment, comment_revision=1, actor="model", from_status="pending", to_status="held", score=0.6
    )
    # Held comments are not public: the notice comes from before the hold, seen by its sender.
    notice = Notice.objects.create(
        token_hash="0" * 64,
        comment=comment,
        comment_revision=1,
        legal_ground="stgb_185",
        explanation=EXPLANATION,
        notifier_name="Erika",
        notifier_email="erika@example.org",
        good_faith=True,
        language="en",
    )

    decided = decide(
        django_capture_on_commit_callbacks, notice_id=notice.pk, moderator=moderator, action="remove"
    )

    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED  # it was never public again
    assert decided.automated_means is True
    assert StatementOfReasons.objects.get(comment=comment).source == "notice"
    [decision] = mailoutbox
    assert "Automated means: Yes." in decision.body


def test_refusing_tells_the_notifier_why_and_how_to_appeal(
    comment, moderator, django_capture_on_commit_callbacks, mailoutbox, settings
) -> None:
    settings.DSA_OUT_OF_COURT_URL = "https://schlichtung.example/"
    notice, token = created(comment)

    decided = decide(
        django_capture_on_commit_callbacks,
        notice_id=notice.pk,
        moderator=moderator,
        action="refuse",
        explanation="Eine zulässige Meinungsäußerung über eine Person des öffentlichen Lebens.",
        manifestly_unfounded=True,
    )

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert not StatementOfReasons.objects.exists()
    assert (decided.status, decided.manifestly_unfounded) == ("refused", True)
    followed = follow(str(notice.reference), token).json()
    assert followed["decision"] == "no_action"
    assert followed["explanation"].startswith("Eine zulässige Meinungsäußerung")
    assert followed["appealable_until"] is not None
    assert (timezone.datetime.fromisoformat(followed["appealable_until"]) - decided.decided_at).days == 183
    [decision] = mailoutbox
    assert "We have not taken action" in decision.body
    assert "You may appeal against this decision" in decision.body
    assert "https://schlichtung.example/" in decision.body
    assert "court" in decision.body


def test_without_appeals_a_refusal_is_not_appealable(
    comment, moderator, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    site_policy_update(source="command", appeals_enabled=False)
    notice, token = created(comment)

    decide(
        django_capture_on_commit_callbacks,
        notice_id=notice.pk,
        moderator=moderator,
        action="refuse",
        explanation="Zulässig.",
    )

    assert follow(str(notice.reference), token).json()["appealable_until"] is None
    assert "You may appeal" not in mailoutbox[0].body


def test_a_decided_notice_cannot_be_decided_again(comment, moderator) -> None:
    notice, _ = created(comment)
    notice_decide(notice_id=notice.pk, moderator=moderator, action="refuse", explanation="Zulässig.")

    with pytest.raises(Conflict):
        notice_decide(notice_id=notice.pk, moderator=moderator, action="remove")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED


def test_a_refusal_needs_reasons(comment, moderator) -> None:
    notice, _ = created(comment)
    with pytest.raises(InvalidInput) as refused:
        notice_decide(notice_id=notice.pk, moderator=moderator, action="refuse")
    assert refused.value.field == "explanation"


def test_a_decision_mail_is_sent_once_whoever_sends_it(comment, moderator, mailoutbox) -> None:
    notice, _ = created(comment)
    notice_decide(notice_id=notice.pk, moderator=moderator, action="refuse", explanation="Zulässig.")
    mailoutbox.clear()  # the receipt; on_commit does not run in this test's transaction

    later = timezone.now() + timedelta(minutes=5)
    assert notices_send_due(now=later) == 2  # the receipt and the decision, not sent at once
    assert notices_send_due(now=later) == 0
    assert len(mailoutbox) == 2


# --- The admin's queue ----------------------------------------------------------


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_shows_open_notices_first_with_their_deadline(comment, moderator) -> None:
    old, _ = created(comment)
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    fresh, _ = created(CommentFactory(), notifier_name="Max Muster")
    decided, _ = created(CommentFactory())
    notice_decide(notice_id=decided.pk, moderator=moderator, action="refuse", explanation="Zulässig.")
    client = admin_client(moderator)

    page = client.get("/admin/moderation/notice/").content.decode()

    assert "seit 6 h überfällig" in page
    assert "fällig in 23 h" in page
    assert "Max Muster" in page and "erika@example.org" in page
    references = [str(n.reference)[:8] for n in (old, fresh, decided)]
    assert sorted(references, key=page.index) == references
    index = client.get("/admin/").content.decode()
    assert "Meldungen rechtswidriger Inhalte (2 offen)" in index


def column_titles(page: str) -> list[str]:
    """The changelist's column titles, in order."""
    return re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', page)


def test_the_queue_and_a_notice_speak_german_to_a_moderator(comment, moderator) -> None:
    notice, _ = created(comment)
    client = admin_client(moderator)

    queue = client.get("/admin/moderation/notice/").content.decode()
    assert "<h1>Meldungen rechtswidriger Inhalte</h1>" in queue
    assert column_titles(queue) == [
        "Aktenzeichen",
        "Kommentar",
        "Rechtsgrundlage",
        "Meldende Person",
        "Eingegangen",
        "Frist",
        "Status",
    ]
    page = client.get(f"/admin/moderation/notice/{notice.pk}/change/").content.decode()
    assert "Über diese Meldung entscheiden" in page
    assert "Kommentar entfernen" in page and "Meldung ablehnen: keine Maßnahme" in page
    assert "Name der meldenden Person" in page and "In gutem Glauben" in page
    # The Netiquette rule broken, named as the author reads it in the statement of reasons.
    assert "Netiquette: Beleidigungen und persönliche Angriffe" in page


def test_a_moderator_removes_the_comment_from_the_notices_page(
    comment, moderator, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    notice, _ = created(comment)
    client = admin_client(moderator)
    page = client.get(f"/admin/moderation/notice/{notice.pk}/change/").content.decode()
    assert "Über diese Meldung entscheiden" in page and comment.body in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/moderation/notice/{notice.pk}/decide/",
            {
                "decision": "remove",
                "legal_ground": "stgb_185",
                "reason": "insult",
                "explanation": "Eine Beleidigung.",
                "manifestly_illegal": "on",
            },
        )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by) == ("actioned", moderator)
    statement = StatementOfReasons.objects.get(comment=comment)
    assert (statement.source, statement.legal_ground, statement.terms_ground) == (
        "notice",
        "stgb_185",
        "insult",
    )
    assert statement.manifestly_illegal
    assert any("decision" in message.subject for message in mailoutbox)
    assert (
        "Über diese Meldung entscheiden"
        not in client.get(f"/admin/moderation/notice/{notice.pk}/change/").content.decode()
    )


def test_the_admin_refuses_a_refusal_without_reasons_and_keeps_the_notice_open(comment, moderator) -> None:
    notice, _ = created(comment)
    response = admin_client(moderator).post(
        f"/admin/moderation/notice/{notice.pk}/decide/", {"decision": "refuse"}, follow=True
    )
    assert "Sagen Sie, warum nichts unternommen wird" in response.content.decode()
    assert Notice.objects.get().status == "open"


def test_staff_without_the_moderation_permission_cannot_decide(comment) -> None:
    notice, _ = created(comment)
    editor = UserFactory(username="redakteur", is_staff=True)

    response = admin_client(editor).post(
        f"/admin/moderation/notice/{notice.pk}/decide/", {"decision": "refuse", "explanation": "Nein."}
    )

    assert response.status_code == 403
    assert Notice.objects.get().status == "open"


def test_notices_are_never_deleted_in_the_admin(comment, moderator) -> None:
    notice, _ = created(comment)
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    response = admin_client(admin).post(f"/admin/moderation/notice/{notice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Notice.objects.filter(pk=notice.pk).exists()
