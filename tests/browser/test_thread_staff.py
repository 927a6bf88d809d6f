"""Moderation in the thread and the reader's own comment in place, in a real browser
on the demo article page: a moderator features, removes and bans from the widget,
and the picks get a tab of their own; a reader's waiting comment stands where the
thread's order puts it, and a rejection shows there with the rule it broke."""

import os
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import ReaderProfile
from discussion import dispatch
from discussion.models import Comment
from moderation.decisions import comment_decide
from moderation.models import AuditEntry, ReaderAuditEntry
from moderation.permissions import moderators_group
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_widget import PASSWORD, card, comment, german_article, open_article, post, sign_in
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

Status = Comment.Status


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"thread-staff-{name}.png"), full_page=True)


def top_level_ids(page: Page) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(".stm-list > .stm-comment", "els => els.map(e => e.dataset.id)")
    ]


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", password=PASSWORD, is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker scores the comments: a new one waits, as it would for a human, until
    the test decides it through the moderation service."""
    monkeypatch.setattr(dispatch.app, "send_task", lambda *args, **kwargs: None)


def test_a_moderator_features_removes_and_bans_from_the_thread(
    live_server: LiveServer, page, moderator
) -> None:
    article = german_article()
    earlier = timezone.now() - timedelta(hours=2)
    good = CommentFactory(article=article, body="Ein kluger, gut begründeter Beitrag.", created_at=earlier)
    rude = CommentFactory(article=article, body="Das ist doch alles Unsinn, ihr Trottel.")
    troll = CommentFactory(article=article, body="Kauft Uhren bei uhren-billig.example!")
    gone = CommentFactory(article=article, body="Gleich nicht mehr da.")
    widget = open_article(page, live_server, article)
    expect(widget.locator(".stm-tabs")).to_be_hidden()
    expect(card(page, good.pk).get_by_role("button", name="Empfehlen")).to_have_count(0)

    sign_in(widget, "moderatorin")
    expect(widget.locator(".stm-account .stm-staff-badge")).to_have_text("Moderation")
    admin_link = card(page, good.pk).get_by_role("link", name="Im Admin öffnen")
    expect(admin_link).to_have_attribute(
        "href", re.compile(rf"^{re.escape(live_server.url)}/admin/discussion/comment/{good.pk}/change/$")
    )

    # Featured: a badge in the thread, and the picks' tab appears with it.
    card(page, good.pk).get_by_role("button", name="Empfehlen").click()
    expect(widget.locator(".stm-status")).to_have_text("Der Kommentar ist jetzt eine Redaktionsempfehlung.")
    expect(card(page, good.pk).locator(".stm-pick")).to_have_text("Redaktionsempfehlung")
    expect(card(page, good.pk).get_by_role("button", name="Nicht mehr empfehlen")).to_be_visible()
    expect(widget.locator(".stm-tabs")).to_be_visible()
    assert Comment.objects.get(pk=good.pk).featured_by == moderator
    assert AuditEntry.objects.get(comment=good).reason == "feature"

    widget.get_by_role("button", name="Redaktionsempfehlungen").click()
    expect(widget.get_by_role("button", name="Redaktionsempfehlungen")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(widget.locator(".stm-list > .stm-comment")).to_have_count(1)
    expect(card(page, good.pk).locator(".stm-body")).to_have_text("Ein kluger, gut begründeter Beitrag.")
    expect(widget.locator(".stm-sort")).to_be_hidden()
    shot(page, "picks")
    widget.get_by_role("button", name="Alle Kommentare").click()
    expect(widget.locator(".stm-list > .stm-comment")).to_have_count(4)

    # Removed with a rule from the picker, through the decision API.
    card(page, rude.pk).get_by_role("button", name="Entfernen").click()
    form = comment(page, rude.pk).locator(".stm-slot form")
    expect(form.get_by_role("group", name="Warum entfernen Sie den Kommentar?")).to_be_visible()
    form.get_by_label("Beleidigung").check()
    shot(page, "remove-form")
    form.get_by_role("button", name="Entfernen").click()
    expect(comment(page, rude.pk)).to_have_count(0)
    expect(widget.locator(".stm-status")).to_have_text("Der Kommentar wurde entfernt.")
    removal = AuditEntry.objects.get(comment=rude)
    assert (removal.to_status, removal.reason, removal.moderator) == ("removed", "insult", moderator)

    # The author banned, with the reason for the log, through the moderation API.
    card(page, troll.pk).get_by_role("button", name="Autor sperren").click()
    comment(page, troll.pk).get_by_label("Grund der Sperre").fill("Wiederholt Werbung.")
    comment(page, troll.pk).locator(".stm-slot").get_by_role("button", name="Autor sperren").click()
    expect(comment(page, troll.pk).locator(".stm-slot")).to_have_text("Der Autor ist gesperrt.")
    assert ReaderProfile.objects.get(user=troll.author).banned
    ban = ReaderAuditEntry.objects.get(reader=troll.author)
    assert (ban.action, ban.reason, ban.moderator) == ("ban", "Wiederholt Werbung.", moderator)

    # A comment decided elsewhere meanwhile: the refusal shows under it.
    comment_decide(comment_id=gone.pk, moderator=moderator, action="remove")
    card(page, gone.pk).get_by_role("button", name="Empfehlen").click()
    # (The moderation API's own words, in German once the catalogue has them.)
    expect(comment(page, gone.pk).locator(".stm-slot [role=alert]")).to_have_text(
        re.compile("veröffentlicht|published")
    )
    assert Comment.objects.get(pk=gone.pk).featured_at is None
    shot(page, "moderator")

    # Unfeatured: the badge goes, and with the last pick the tab.
    card(page, good.pk).get_by_role("button", name="Nicht mehr empfehlen").click()
    expect(card(page, good.pk).locator(".stm-pick")).to_have_count(0)
    expect(widget.locator(".stm-tabs")).to_be_hidden()


def test_a_readers_comment_waits_in_its_place_and_a_rejection_says_why(
    live_server: LiveServer, page, moderator, no_worker
) -> None:
    article = german_article()
    earlier = timezone.now() - timedelta(hours=2)
    first = CommentFactory(article=article, body="Der erste Beitrag.", created_at=earlier)
    second = CommentFactory(
        article=article, body="Der zweite Beitrag.", created_at=earlier + timedelta(minutes=5)
    )
    UserFactory(username="leserin", password=PASSWORD)
    widget = open_article(page, live_server, article)
    sign_in(widget, "leserin")
    expect(card(page, first.pk).get_by_role("button", name="Entfernen")).to_have_count(0)
    expect(card(page, first.pk).get_by_role("link", name="Im Admin öffnen")).to_have_count(0)

    # Oldest first: the new comment comes last, where the thread will show it.
    kept = post(widget, "Ihr Kommentar", "Kommentar senden", "Wann werden die Radwege fertig?")
    refused = post(widget, "Ihr Kommentar", "Kommentar senden", "Alles Idioten im Stadtrat.")
    expect(card(page, kept.pk).locator(".stm-badge")).to_have_text("wartet auf Freischaltung")
    assert top_level_ids(page) == [first.pk, second.pk, kept.pk, refused.pk]
    expect(comment(page, refused.pk)).to_be_focused()
    shot(page, "pending-in-place")

    # Newest first: the waiting comments lead.
    widget.get_by_role("button", name="Neueste zuerst").click()
    expect(widget.locator(".stm-list > .stm-comment").first).to_have_attribute("data-id", str(refused.pk))
    assert top_level_ids(page) == [refused.pk, kept.pk, second.pk, first.pk]

    # Decided by moderators through the service; the widget learns it by polling.
    comment_decide(comment_id=kept.pk, moderator=moderator, action="approve", expected_revision=1)
    comment_decide(
        comment_id=refused.pk, moderator=moderator, action="reject", reason="insult", expected_revision=1
    )
    expect(comment(page, kept.pk)).to_have_attribute("data-status", "published", timeout=30_000)
    expect(comment(page, refused.pk)).to_have_attribute("data-status", "rejected", timeout=30_000)
    assert top_level_ids(page) == [refused.pk, kept.pk, second.pk, first.pk]
    why = card(page, refused.pk).locator(".stm-why")
    expect(card(page, refused.pk).locator(".stm-badge")).to_have_text("nicht veröffentlicht")
    expect(why).to_have_text(": Netiquette: Beleidigungen und persönliche Angriffe — siehe Netiquette")
    expect(why.get_by_role("link", name="Netiquette")).to_have_attribute(
        "href", f"{live_server.url}/netiquette/"
    )
    shot(page, "rejected-in-place")

    # After a reload the reason is read again from the comment's detail.
    page.reload()
    expect(card(page, refused.pk).locator(".stm-why")).to_contain_text(
        "Beleidigungen und persönliche Angriffe"
    )
    assert top_level_ids(page)[-2:] == [kept.pk, refused.pk]
