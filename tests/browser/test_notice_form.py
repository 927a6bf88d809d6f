"""A visitor who is not signed in sends a notice of illegal content from the widget:
the legal grounds come from the API, a refusal shows under the field it names, and
the success shows the reference and that a confirmation was emailed."""

import os

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from moderation.models import Notice
from tests.browser.test_widget import card, comment, german_article, open_article, shot
from tests.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_an_anonymous_visitor_sends_a_notice_of_illegal_content(live_server: LiveServer, page: Page) -> None:
    article = german_article()
    target = CommentFactory(article=article, body="Der Bürgermeister ist ein korrupter Verbrecher.")
    widget = open_article(page, live_server, article)
    mail.outbox = []

    card(page, target.pk).get_by_role("button", name="Rechtswidrig?").click()
    form = comment(page, target.pk).locator(".stm-slot form")
    expect(form.get_by_role("group", name="Rechtswidrigen Inhalt melden")).to_be_visible()
    ground = form.get_by_label("Welches Gesetz verletzt der Kommentar?")
    expect(ground).to_be_focused()
    expect(ground.locator("option[value=stgb_187]")).to_have_count(1)  # filled from the API
    ground.select_option("stgb_187")
    form.get_by_label("Begründung").fill("Zu kurz.")
    form.get_by_label("Ihr Name").fill("Erika Muster")
    form.get_by_label("Ihre E-Mail-Adresse").fill("erika@example.org")
    form.get_by_label("Ich versichere").check()
    form.get_by_role("button", name="Meldung absenden").click()

    # The API names the field; the message stands under it and the field is marked.
    explanation = form.get_by_label("Begründung")
    expect(explanation).to_have_attribute("aria-invalid", "true")
    expect(explanation).to_be_focused()
    expect(form.locator(".stm-field-error").filter(has_text="20")).to_have_count(1)
    assert not Notice.objects.exists()

    explanation.fill("Der Kommentar behauptet wahrheitswidrig, der Bürgermeister sei korrupt.")
    shot(page, "notice")
    form.get_by_role("button", name="Meldung absenden").click()

    done = comment(page, target.pk).locator(".stm-notice-done")
    expect(done).to_contain_text("Ihre Meldung ist eingegangen. Aktenzeichen:")
    expect(done).to_contain_text("Eingangsbestätigung haben wir Ihnen per E-Mail geschickt")
    notice = Notice.objects.get()
    expect(done).to_contain_text(str(notice.reference))
    assert (notice.comment_id, notice.legal_ground, notice.notifier) == (target.pk, "stgb_187", None)
    assert (notice.notifier_name, notice.notifier_email, notice.language) == (
        "Erika Muster",
        "erika@example.org",
        "de",
    )
    [receipt] = mail.outbox
    assert receipt.to == ["erika@example.org"] and str(notice.reference) in receipt.subject
    expect(widget.locator(".stm-status").first).to_contain_text(str(notice.reference))
