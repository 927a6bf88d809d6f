"""A moderator works the held queue in a real browser: logs in, sees why each
comment waits, approves one with a click and rejects two in bulk."""

import os

import pytest

from discussion.models import Comment
from moderation.models import AuditEntry, SitePolicy
from moderation.permissions import moderators_group
from tests.browser.conftest import ARTIFACTS
from tests.factories import CommentFactory, UserFactory, model_with_site_mix_measures, scored_by_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread of this process; Django refuses synchronous
# database access from inside Playwright's event loop unless told it is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def held(body: str, score: float) -> Comment:
    comment = CommentFactory(status=Comment.Status.HELD, score=score, body=body)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="grey zone",
        score=score,
        details={
            "explanation": [{"feature": "vollpfosten", "kind": "word", "weight": 2.1}],
            "rules": [f"score {score:.2f} between 0.35 and 0.85"],
            "word_hits": [],
        },
    )
    return comment


def test_moderator_clears_the_held_queue(live_server, page) -> None:
    moderator = UserFactory(username="moderatorin", is_staff=True, password="Sicheres-Passwort-2026")
    moderator.groups.add(moderators_group())
    first = held("Du Vollpfosten, lies doch erst mal den Artikel.", 0.78)
    second = held("Das ist <b>Unsinn</b> und das weißt du.", 0.55)
    third = held("Na ja, Vollpfosten gibt es überall.", 0.45)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "moderatorin")
    page.fill("#id_password", "Sicheres-Passwort-2026")
    page.click("input[type=submit]")
    page.get_by_role("link", name="Zurückgehaltene Kommentare (3)").click()
    page.wait_for_selector("#result_list")

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    assert f"#{first.pk}" in rows.nth(0).inner_text(), "highest score first"
    assert rows.nth(0).locator("mark.weight").first.inner_text() == "Vollpfosten"
    assert "<b>Unsinn</b>" in rows.nth(1).inner_text(), "user text shown as text, not markup"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "held-queue-de.png"), full_page=True)

    # queue.js decides in place: the row shrinks to one line with an undo button.
    rows.nth(0).get_by_role("button", name="Freigeben").click()
    page.wait_for_selector("#result_list tr.queue-decided")
    assert f"#{first.pk}" in page.inner_text("#result_list tr.queue-decided")

    for comment in (second, third):
        page.check(f"input[name=_selected_action][value='{comment.pk}']")
    page.select_option("select[name=action]", "reject_insult")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist >> text=ablehnen: 2 Kommentare")
    assert page.locator("#result_list tbody tr").count() == 0

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "published", second.pk: "rejected", third.pk: "rejected"}
    assert AuditEntry.objects.filter(moderator=moderator, reason="insult").count() == 2


def test_an_administrator_reads_the_sites_mix_and_takes_its_thresholds(live_server, page) -> None:
    UserFactory(username="chefin", is_staff=True, is_superuser=True, password="Sicheres-Passwort-2026")
    model = model_with_site_mix_measures()
    scored_by_model(model, [0.9] * 45 + [0.1] * 255)  # 15 % flagged: about 13 % offensive

    page.goto(f"{live_server.url}/admin/login/?next=/admin/moderation/statistics/")
    page.fill("#id_username", "chefin")
    page.fill("#id_password", "Sicheres-Passwort-2026")
    page.click("input[type=submit]")
    section = page.locator("#site-mix + p")
    assert "sind etwa 13 % anstößig" in " ".join(section.inner_text().split())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics-de.png"), full_page=True)

    # The language switch in the header: the same page in English, and it stays so.
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert "about 13 % are offensive" in " ".join(section.inner_text().split())
    page.screenshot(path=str(ARTIFACTS / "statistics-en.png"), full_page=True)

    page.get_by_role("button", name="Use the recommended thresholds for the site").click()
    page.wait_for_selector(".messagelist")
    assert "publish below 0.37" in page.inner_text(".messagelist")
    assert (SitePolicy.objects.get().publish_below, SitePolicy.objects.get().reject_above) == (0.37, 1.0)
