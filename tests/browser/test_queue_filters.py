"""A moderator narrows the held queue in a real browser: by section, then by article,
saves that view under a name, and reopens it from the queue page later."""

import os

import pytest

from discussion.models import Comment
from moderation.models import AuditEntry, SavedFilter
from moderation.permissions import moderators_group
from tests.browser.conftest import ARTIFACTS
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread of this process; Django refuses synchronous
# database access from inside Playwright's event loop unless told it is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HELD = "/admin/moderation/heldcomment/"


def held(body: str, score: float, **fields: object) -> Comment:
    comment = CommentFactory(status=Comment.Status.HELD, score=score, body=body, **fields)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        reason=f"score {score:.2f} between 0.35 and 0.85",
        score=score,
        details={"language": "de", "rules": [f"score {score:.2f} between 0.35 and 0.85"], "explanation": []},
    )
    return comment


def test_moderator_filters_saves_and_reopens_a_view_of_the_held_queue(live_server, page) -> None:
    moderator = UserFactory(username="moderatorin", is_staff=True, password="Sicheres-Passwort-2026")
    moderator.groups.add(moderators_group())
    bikes = ArticleFactory(title="Stadtrat beschließt Radwege", section="Politik")
    budget = ArticleFactory(title="Haushalt 2027", section="Politik")
    football = ArticleFactory(title="Derby endet torlos", section="Sport")
    on_bikes = {
        held("Radwege? Endlich!", 0.5, article=bikes).pk,
        held("Parkplätze weg, Läden tot.", 0.6, article=bikes).pk,
    }
    held("Schon wieder Schulden.", 0.55, article=budget)
    held("Schiri, du Blinder!", 0.7, article=football)

    page.goto(f"{live_server.url}/admin/login/?next={HELD}")
    page.fill("#id_username", "moderatorin")
    page.fill("#id_password", "Sicheres-Passwort-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4

    page.click("#changelist-filter a[href*='section=Politik']")
    page.wait_for_url("**section=Politik**")
    assert rows.count() == 3
    page.click(f"#changelist-filter a[href*='article={bikes.pk}']")
    page.wait_for_url(f"**article={bikes.pk}**")
    assert rows.count() == 2
    assert {
        int(box.get_attribute("value") or 0) for box in page.locator("input[name=_selected_action]").all()
    } == on_bikes
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue-filtered-by-section-and-article.png"), full_page=True)

    page.fill("#saved-filter-name", "Radwege")
    page.click("form.saved-filter-save button[type=submit]")
    page.wait_for_selector(".messagelist")
    saved = SavedFilter.objects.get(user=moderator)
    assert saved.name == "Radwege" and set(saved.query.split("&")) == {
        "section=Politik",
        f"article={bikes.pk}",
    }

    page.goto(f"{live_server.url}{HELD}")
    assert rows.count() == 4
    page.click("#changelist-filter .saved-filters a:text-is('Radwege')")
    page.wait_for_url(f"**article={bikes.pk}**")
    assert rows.count() == 2
    page.screenshot(path=str(ARTIFACTS / "queue-saved-filter-reopened.png"), full_page=True)

    page.click("#changelist-filter .saved-filters form.saved-filter-delete button")
    page.wait_for_selector(".messagelist")
    assert page.locator("#changelist-filter .saved-filters a:text-is('Radwege')").count() == 0
    assert not SavedFilter.objects.exists()
