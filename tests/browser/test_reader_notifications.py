"""A reader registers through the widget, agreeing to the discussion rules and the
privacy notice, and posts; a moderator rejects the comment; the reader gets a
mail saying why, with the rules' address and a link that stops such mails."""

import os
from typing import Any

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import ReaderProfile
from config.celery import app
from discussion.models import Comment
from moderation.decisions import RejectReason, comment_decide
from moderation.models import SitePolicy
from moderation.notifications.events import NOTIFY_TASK
from moderation.notifications.mail import author_notify
from moderation.permissions import moderators_group
from tests.browser.test_widget import PASSWORD, german_article, open_article
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def tasks_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notification task runs in this process (the live server's too), so that
    the mail lands in this process's outbox; comments stay pending, unscored."""

    def send_task(name: str, args: list[Any] | None = None, **kwargs: Any) -> None:
        if name == NOTIFY_TASK and args:
            author_notify(entry_id=args[0])

    monkeypatch.setattr(app, "send_task", send_task)


def test_a_reader_registers_with_consent_and_is_told_of_a_rejection(
    live_server, page, settings, tasks_run_here
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DSA_EMAIL_AUTHORS = False  # else the statement of reasons tells of the rejection
    settings.NETIQUETTE_URL = "https://zeitung.example/netiquette/"
    SitePolicy.objects.update_or_create(pk=1, defaults={"notify_authors": True})
    mail.outbox = []
    widget = open_article(page, live_server, german_article())

    widget.get_by_role("button", name="Registrieren").click()
    widget.get_by_label("Benutzername").fill("leserin")
    widget.get_by_label("Passwort").fill(PASSWORD)
    consent = widget.get_by_role("checkbox", name="Diskussionsregeln")
    expect(widget.get_by_role("link", name="Diskussionsregeln")).to_have_attribute(
        "href", "https://zeitung.example/netiquette/"
    )
    expect(widget.get_by_role("link", name="Datenschutzhinweise")).to_have_attribute("href", "/datenschutz/")
    # Without the box ticked the browser does not send the form.
    widget.get_by_role("button", name="Registrieren", exact=True).click()
    expect(widget.locator(".stm-account")).not_to_contain_text("Angemeldet als")
    consent.check()
    widget.get_by_role("button", name="Registrieren", exact=True).click()
    expect(widget.locator(".stm-account")).to_contain_text("Angemeldet als leserin")
    profile = ReaderProfile.objects.get(user__username="leserin")
    assert profile.consent_source == ReaderProfile.ConsentSource.REGISTRATION
    assert profile.language == "de"
    profile.user.email = "leserin@example.org"
    profile.user.save(update_fields=["email"])

    text = "Die Radwege sind reine Geldverschwendung, ihr Trottel."
    widget.get_by_label("Ihr Kommentar").fill(text)
    widget.get_by_role("button", name="Kommentar senden").click()
    expect(widget.locator(".stm-body").filter(has_text=text)).to_have_count(1)
    comment = Comment.objects.get(body=text)

    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(moderators_group())
    comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="insult")

    [message] = mail.outbox
    assert message.to == ["leserin@example.org"]
    with translation.override("de"):
        assert message.subject == translation.gettext("Your comment was not published")
        assert str(RejectReason.INSULT.label) in message.body
    assert "https://zeitung.example/netiquette/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
