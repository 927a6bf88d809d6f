"""A moderator works the held queue from the keyboard in a real browser: sees the
comment a reply answers and what an author changed, approves and rejects without a
page load, undoes, writes a note and bans an author from the row."""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import ReaderProfile
from discussion.models import Comment, CommentRevision
from moderation.models import AuditEntry, ReaderAuditEntry, ReaderNote
from moderation.permissions import moderators_group
from tests.browser.conftest import ARTIFACTS
from tests.factories import CommentFactory, UserFactory, reply_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def assessed(comment: Comment, score: float) -> Comment:
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="grey zone",
        score=score,
        details={"explanation": [], "rules": [f"score {score:.2f} between 0.35 and 0.85"], "word_hits": []},
    )
    return comment


def test_moderator_works_the_queue_from_the_keyboard(live_server, page) -> None:
    moderator = UserFactory(username="moderatorin", is_staff=True, password="Sicheres-Passwort-2026")
    moderator.groups.add(moderators_group())
    parent = CommentFactory(body="Die Stadt sollte mehr Radwege bauen.", author=UserFactory(username="anna"))
    first = assessed(
        reply_to(parent, status=Comment.Status.HELD, score=0.8, body="Du hast keine Ahnung, du Depp."), 0.8
    )
    CommentRevision.objects.create(
        comment=first, revision=1, body="Du hast keine Ahnung.", created_at=first.created_at
    )
    Comment.objects.filter(pk=first.pk).update(revision=2)
    AuditEntry.objects.create(
        comment=first, comment_revision=2, actor="model", from_status="held", to_status="held", score=0.8
    )
    second = assessed(
        CommentFactory(status=Comment.Status.HELD, score=0.6, body="Alles Lügenpresse hier."), 0.6
    )
    third = assessed(CommentFactory(status=Comment.Status.HELD, score=0.5, body="Kann man so sehen."), 0.5)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/moderation/heldcomment/")
    page.fill("#id_username", "moderatorin")
    page.fill("#id_password", "Sicheres-Passwort-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list tr.queue-current")
    page.evaluate("window.stayedOnThePage = true")

    rows = page.locator("#result_list tbody tr")
    top = rows.nth(0)
    assert f"#{first.pk}" in top.inner_text()
    assert "Die Stadt sollte mehr Radwege bauen." in top.locator("blockquote.queue-parent").inner_text()
    assert top.locator(".queue-diff ins").inner_text().strip() == "Ahnung, du Depp."
    assert top.locator(".queue-diff del").inner_text().strip() == "Ahnung."
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue-keyboard-start.png"), full_page=True)

    page.keyboard.press("?")
    assert page.locator(".queue-help").is_visible()
    page.screenshot(path=str(ARTIFACTS / "queue-keyboard-help.png"))
    page.keyboard.press("?")
    assert not page.locator(".queue-help").is_visible()

    # a approves the first row; the next one is in focus.
    page.keyboard.press("a")
    page.wait_for_selector("#result_list tr.queue-decided")
    assert Comment.objects.get(pk=first.pk).status == "published"
    assert f"#{second.pk}" in page.locator("#result_list tr.queue-current").inner_text()

    # r opens the reason picker of the second; Enter rejects with that reason.
    page.keyboard.press("r")
    page.locator(f"select[name=reason_{second.pk}]").select_option("hate")
    page.locator(f"select[name=reason_{second.pk}]").press("Enter")
    expect(page.locator("#result_list tr.queue-decided")).to_have_count(2)
    assert AuditEntry.objects.filter(comment=second, to_status="rejected").get().reason == "hate"

    # z takes the rejection back: the row is there again to decide.
    page.keyboard.press("z")
    expect(page.locator("#result_list tr.queue-decided")).to_have_count(1)
    assert Comment.objects.get(pk=second.pk).status == "held"
    assert AuditEntry.objects.filter(comment=second).latest("id").reason == "undo"
    # The count line follows every decision: three held, one approved, one back.
    expect(page.locator("[data-count=held]")).to_have_text("2")
    expect(page).to_have_title(re.compile(r"^\(2\) "))

    # n writes a note about the author of the row in focus.
    page.keyboard.press("n")
    note_field = page.locator(f"input[name=note_text_{second.pk}]")
    note_field.fill("Schreibt oft zugespitzt.")
    note_field.press("Enter")
    page.wait_for_selector(f"#result_list tr:has(.decide[data-comment='{second.pk}']) .queue-notes q")
    assert ReaderNote.objects.get().reader_id == second.author_id

    # b bans the author, with the reason the reader will be given.
    page.keyboard.press("b")
    reason_field = page.locator(f"input[name=ban_reason_{second.pk}]")
    reason_field.fill("Wiederholt Hetze")
    reason_field.press("Enter")
    message = page.locator(f"#result_list tr:has(.decide[data-comment='{second.pk}']) .queue-message")
    expect(message).to_contain_text(f"#{second.pk}:")
    profile = ReaderProfile.objects.get(user=second.author)
    assert profile.banned and profile.ban_reason == "Wiederholt Hetze"
    assert ReaderAuditEntry.objects.get().action == "ban"

    assert page.evaluate("window.stayedOnThePage") is True, "no page was loaded"
    assert Comment.objects.get(pk=third.pk).status == "held"
    page.screenshot(path=str(ARTIFACTS / "queue-keyboard-end.png"), full_page=True)
