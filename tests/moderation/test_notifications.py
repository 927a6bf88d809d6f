"""Mails to authors about their comments: off by default, made once a decision
commits, in the reader's language, with a one-click unsubscribe link."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client

from accounts.models import ReaderProfile
from config.celery import app
from discussion.models import Comment
from moderation.decisions import comment_decide, comment_feature
from moderation.models import AuthorNotification, SitePolicy
from moderation.notifications.events import NOTIFY_TASK
from moderation.notifications.mail import MailNotSent, author_notify
from moderation.notifications.unsubscribe import SALT, unsubscribe_token
from moderation.permissions import moderators_group
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The entries handed to the notification task, which runs at once here."""
    sent: list[int] = []

    def send_task(name: str, args: list[Any] | None = None, **kwargs: Any) -> None:
        assert name == NOTIFY_TASK
        assert args is not None
        sent.append(args[0])
        author_notify(entry_id=args[0])

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


@pytest.fixture
def notifying(db, settings) -> None:
    settings.DSA_EMAIL_AUTHORS = False  # the statement of reasons would tell of rejections itself
    SitePolicy.objects.update_or_create(pk=1, defaults={"notify_authors": True})


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def decide(
    moderator: User, django_capture_on_commit_callbacks: Callable[..., Any], queued: list[int]
) -> Callable[..., None]:
    def run(comment: Comment, action: str, **kwargs: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            comment_decide(
                comment_id=comment.pk,
                moderator=moderator,
                action=action,
                expected_revision=comment.revision,
                **kwargs,
            )

    return run


def author(email: str = "lea@example.org", language: str = "") -> User:
    user = UserFactory(username=email.split("@")[0], email=email)
    ReaderProfile.objects.create(user=user, language=language)
    return user


@pytest.fixture
def outbox() -> Iterator[list[Any]]:
    mail.outbox = []
    yield mail.outbox


def test_nothing_is_sent_by_default(settings, decide, outbox, queued) -> None:
    settings.DSA_EMAIL_AUTHORS = False
    comment = CommentFactory(author=author(), status=Status.HELD)
    decide(comment, "approve")
    decide(CommentFactory(author=author("otto@example.org"), status=Status.HELD), "reject", reason="spam")
    assert outbox == []
    assert not AuthorNotification.objects.exists()


def test_a_held_comment_published_is_told_in_the_readers_language(notifying, decide, outbox) -> None:
    comment = CommentFactory(author=author(language="en"), status=Status.HELD)
    decide(comment, "approve")
    [message] = outbox
    assert message.to == ["lea@example.org"]
    assert message.subject == "Your comment is published"
    assert comment.article.title in message.body
    assert "/notifications/unsubscribe/" in message.body


def test_the_site_language_when_the_reader_chose_none(notifying, decide, outbox, settings) -> None:
    comment = CommentFactory(author=author(), status=Status.HELD)
    decide(comment, "approve")
    # German is the default; its catalogue may still lack the text, so compare with
    # what the German template renders to.
    from django.utils import translation

    with translation.override("de"):
        expected = translation.gettext("Your comment is published")
    assert outbox[0].subject == expected


def test_a_rejection_names_the_reason_and_the_rules(notifying, decide, outbox, settings) -> None:
    settings.NETIQUETTE_URL = "https://zeitung.example/netiquette"
    comment = CommentFactory(author=author(language="en"), status=Status.HELD)
    decide(comment, "reject", reason="insult")
    [message] = outbox
    assert message.subject == "Your comment was not published"
    assert "Reason: insult" in message.body
    assert "https://zeitung.example/netiquette" in message.body


def test_a_rejection_is_told_once_when_the_statement_of_reasons_is_mailed(
    notifying, decide, outbox, settings
) -> None:
    settings.DSA_EMAIL_AUTHORS = True
    comment = CommentFactory(author=author(language="en"), status=Status.HELD)
    decide(comment, "reject", reason="insult")
    [statement] = outbox  # the statement of reasons, in the site's language
    assert statement.subject != "Your comment was not published"
    assert not AuthorNotification.objects.exists()


def test_a_reply_published_tells_the_author_replied_to(notifying, decide, outbox) -> None:
    parent = CommentFactory(author=author(language="en"))
    reply = CommentFactory(
        article=parent.article,
        parent=parent,
        root=parent,
        depth=1,
        author=author("otto@example.org"),
        status=Status.HELD,
    )
    decide(reply, "approve")
    subjects = {(m.to[0], m.subject) for m in outbox}
    assert ("lea@example.org", "Someone replied to your comment") in subjects


def test_replying_to_oneself_tells_nobody_of_a_reply(notifying, decide, outbox) -> None:
    lea = author(language="en")
    parent = CommentFactory(author=lea)
    reply = CommentFactory(
        article=parent.article, parent=parent, root=parent, depth=1, author=lea, status=Status.HELD
    )
    decide(reply, "approve")
    assert [m.subject for m in outbox] == ["Your comment is published"]


def test_readers_without_email_or_who_opted_out_get_nothing(notifying, decide, outbox) -> None:
    without = UserFactory(username="ohne", email="")
    decide(CommentFactory(author=without, status=Status.HELD), "approve")
    opted_out = author("otto@example.org")
    ReaderProfile.objects.filter(user=opted_out).update(author_notifications=False)
    decide(CommentFactory(author=opted_out, status=Status.HELD), "approve")
    assert outbox == []


def test_a_redelivered_task_sends_nothing_twice(notifying, decide, outbox, queued) -> None:
    decide(CommentFactory(author=author(), status=Status.HELD), "approve")
    assert author_notify(entry_id=queued[0]) == 0
    assert len(outbox) == 1


def test_a_failing_mail_server_never_undoes_the_decision_and_is_tried_again(
    notifying, moderator, django_capture_on_commit_callbacks, monkeypatch, outbox
) -> None:
    tried: list[int] = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: tried.append(args[0]))
    comment = CommentFactory(author=author(), status=Status.HELD)
    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(
            comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=comment.revision
        )

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(MailNotSent):
        author_notify(entry_id=tried[0])
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert AuthorNotification.objects.get().sent_at is None
    monkeypatch.undo()
    assert author_notify(entry_id=tried[0]) == 1
    assert len(outbox) == 1


def test_the_mail_offers_one_click_unsubscribe(notifying, decide, outbox) -> None:
    lea = author()
    decide(CommentFactory(author=lea, status=Status.HELD), "approve")
    headers = outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    path = link[link.index("/notifications/") :]
    assert path == f"/notifications/unsubscribe/{unsubscribe_token(user=lea)}/"


def test_unsubscribing_asks_first_then_a_post_turns_mails_off() -> None:
    lea = author(language="en")
    url = f"/notifications/unsubscribe/{unsubscribe_token(user=lea)}/"
    page = Client().get(url)
    assert page.status_code == 200
    assert "Stop these mails" in page.content.decode()
    assert ReaderProfile.objects.get(user=lea).author_notifications is True
    # As a mail program does it (RFC 8058): no session, no CSRF token.
    done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert ReaderProfile.objects.get(user=lea).author_notifications is False


@pytest.mark.parametrize(
    "token",
    [
        "kaputt",
        signing.dumps(1, salt="another.salt"),
        lambda user: unsubscribe_token(user=user)[:-2] + "xx",
        lambda user: signing.dumps(user.pk + 1, salt=SALT).replace(str(user.pk + 1), str(user.pk), 1),
    ],
)
def test_a_tampered_token_changes_nothing(token: Any) -> None:
    lea = author()
    value = token(lea) if callable(token) else token
    response = Client().post(f"/notifications/unsubscribe/{value}/")
    assert response.status_code == 404
    assert ReaderProfile.objects.get(user=lea).author_notifications is True


def test_the_machines_batch_queues_once_per_transaction_and_only_when_on(
    db, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from moderation.audit import CommentEntry, comment_entries_write
    from moderation.models import AuditEntry

    sent: list[int] = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: sent.append(args[0]))
    comments = [CommentFactory(status=Status.PENDING) for _ in range(3)]
    entries = [
        CommentEntry(before=c, actor=AuditEntry.Actor.MODEL, to_status=Status.PUBLISHED, reason="score")
        for c in comments
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment_entries_write(entries)
    assert len(callbacks) == 1
    assert sent == []  # notify_authors is off
    SitePolicy.objects.update_or_create(pk=1, defaults={"notify_authors": True})
    with django_capture_on_commit_callbacks(execute=True):
        written = comment_entries_write(entries)
    assert sent == [entry.pk for entry in written]


def test_an_editors_pick_is_told_once(
    notifying, moderator, outbox, queued, django_capture_on_commit_callbacks
):
    comment = CommentFactory(author=author(language="en"), status=Status.PUBLISHED)
    for featured in (True, False, True):
        with django_capture_on_commit_callbacks(execute=True):
            comment_feature(comment_id=comment.pk, moderator=moderator, featured=featured)
    [message] = outbox
    assert message.to == ["lea@example.org"]
    assert message.subject == "Your comment is an editors' pick"
    assert comment.article.title in message.body
    assert "Editors' picks" in message.body


def test_a_moderator_featuring_their_own_comment_is_not_mailed(
    notifying, moderator, outbox, queued, django_capture_on_commit_callbacks
):
    moderator.email = "mod@example.org"
    moderator.save()
    comment = CommentFactory(author=moderator, status=Status.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        comment_feature(comment_id=comment.pk, moderator=moderator)
    assert outbox == []


def test_the_mail_links_to_the_article_on_the_newsrooms_site(notifying, decide, outbox) -> None:
    article = ArticleFactory(
        title="Krieg & Frieden: Merz' Plan", url="https://zeitung.example/a?id=123&s=politik"
    )
    comment = CommentFactory(author=author(language="en"), status=Status.HELD, article=article)
    decide(comment, "approve")
    # A plain-text mail: the title and the address as they are, not HTML-escaped.
    assert "“Krieg & Frieden: Merz' Plan”" in outbox[0].body
    assert "\nhttps://zeitung.example/a?id=123&s=politik\n" in outbox[0].body
