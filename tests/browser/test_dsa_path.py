"""A case under the Digital Services Act, the whole way, in real browsers: a visitor
who is not signed in sends a notice of illegal content and gets a receipt; a
moderator removes the comment with a reason code; its author reads the statement of
reasons in the widget and appeals; the same moderator may not decide the appeal, a
second one reverses it; the comment is back in the thread and both the author and
the notifier are told. The records for the Transparency Database validate against
their schema, and the transparency report counts the case."""

import io
import json
import os
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

import moderation
from discussion.models import Comment
from moderation.models import Appeal, Notice, StatementOfReasons
from moderation.permissions import moderators_group
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_widget import PASSWORD, card, comment, german_article, open_article, sign_in
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STAFF_PASSWORD = "Sicheres-Passwort-2026"
SCHEMA = Path(moderation.__file__).parent / "dsa" / "schema" / "statement.schema.json"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dsa-{name}.png"), full_page=True)


def admin_page(browser: Browser, live_server: LiveServer, username: str) -> Page:
    """A moderator's own browser, signed in to the admin."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    return page


def moderator(username: str):
    user = UserFactory(username=username, is_staff=True, password=STAFF_PASSWORD)
    user.groups.add(moderators_group())
    return user


def test_a_notice_through_removal_appeal_and_reversal(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    article = german_article()
    author = UserFactory(username="kommentatorin", email="autorin@example.org", password=PASSWORD)
    target = CommentFactory(
        article=article, author=author, body="Der Kollege aus dem Stadtrat ist ein Vollidiot."
    )
    first, second = moderator("erste"), moderator("zweite")
    mail.outbox = []

    # 1. A visitor, not signed in, sends a notice from the widget and gets a receipt.
    open_article(page, live_server, article)
    card(page, target.pk).get_by_role("button", name="Rechtswidrig?").click()
    form = comment(page, target.pk).locator(".stm-slot form")
    form.get_by_label("Welches Gesetz verletzt der Kommentar?").select_option("stgb_185")
    form.get_by_label("Begründung").fill(
        "Der Kommentar beschimpft ein Mitglied des Stadtrats als Vollidioten."
    )
    form.get_by_label("Ihr Name").fill("Erika Muster")
    form.get_by_label("Ihre E-Mail-Adresse").fill("erika@example.org")
    form.get_by_label("Ich versichere").check()
    form.get_by_role("button", name="Meldung absenden").click()
    expect(comment(page, target.pk).locator(".stm-notice-done")).to_contain_text("Aktenzeichen")
    notice = Notice.objects.get()
    [receipt] = mail.outbox
    assert receipt.to == ["erika@example.org"]
    assert str(notice.reference) in receipt.subject

    # 2. The first moderator removes the comment from the notices queue, with a reason code.
    mail.outbox = []
    first_page = admin_page(browser, live_server, "erste")
    first_page.goto(f"{live_server.url}/admin/moderation/notice/")
    expect(first_page.locator("#result_list tbody tr")).to_have_count(1)
    first_page.goto(f"{live_server.url}/admin/moderation/notice/{notice.pk}/change/")
    decision = first_page.locator("form.notice-decision")
    decision.locator("input[name=decision][value=remove]").check()
    decision.locator("select[name=legal_ground]").select_option("stgb_185")
    decision.locator("select[name=reason]").select_option("insult")
    decision.locator("textarea[name=explanation]").fill("Eine Beleidigung eines Mitglieds des Stadtrats.")
    shot(first_page, "notice-decision")
    decision.locator("input[type=submit]").click()
    first_page.wait_for_selector(".messagelist")
    target.refresh_from_db()
    assert target.status == Comment.Status.REMOVED
    statement = StatementOfReasons.objects.get(comment=target)
    assert (statement.source, statement.legal_ground, statement.terms_ground) == (
        "notice",
        "stgb_185",
        "insult",
    )
    assert statement.audit_entry.moderator == first
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {"erika@example.org", "autorin@example.org"}
    assert "Nein. Jemand aus der Moderation hat die Meldung geprüft" in told["erika@example.org"].body
    assert "§ 185 StGB: Beleidigung" in told["autorin@example.org"].body

    # 3. The author reads the statement of reasons in the widget and appeals.
    author_page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE").new_page()
    author_page.set_default_timeout(15_000)
    widget = open_article(author_page, live_server, article)
    sign_in(widget, "kommentatorin")
    decisions = widget.locator(".stm-decisions")
    expect(decisions).to_contain_text("Entscheidungen zu Ihren Beiträgen")
    expect(decisions).to_contain_text("Ihr Kommentar wurde entfernt.")
    expect(decisions).to_contain_text("Rechtswidriger Inhalt: § 185 StGB: Beleidigung.")
    expect(decisions).to_contain_text("Uns wurde gemeldet, dass der Inhalt rechtswidrig ist")
    decisions.get_by_role("button", name="Widerspruch einlegen").click()
    decisions.get_by_label("Warum sollte die Entscheidung geändert werden?").fill(
        "Das war ein Zitat aus der Ratssitzung, keine eigene Beschimpfung."
    )
    decisions.get_by_role("button", name="Widerspruch senden").click()
    expect(decisions).to_contain_text("Ihr Widerspruch wird geprüft.")
    shot(author_page, "appeal-sent")
    appeal = Appeal.objects.get()
    assert (appeal.statement, appeal.appellant, appeal.status) == (statement, author, "open")

    # 4. The moderator who removed it may not decide the appeal; a second one reverses it.
    first_page.goto(f"{live_server.url}/admin/moderation/appeal/{appeal.pk}/change/")
    first_page.locator("input[name=outcome][value=reversed]").check()
    first_page.locator("textarea[name=reasons]").fill("Ein Zitat.")
    first_page.locator("input[name=_save]").click()
    expect(first_page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(first_page.locator("#content")).to_contain_text(
        "entscheidet eine andere Person aus der Moderation"
    )
    assert Appeal.objects.get().status == "open"

    mail.outbox = []
    second_page = admin_page(browser, live_server, "zweite")
    second_page.goto(f"{live_server.url}/admin/moderation/appeal/{appeal.pk}/change/")
    expect(second_page.locator("#content")).to_contain_text("Das war ein Zitat aus der Ratssitzung")
    second_page.locator("input[name=outcome][value=reversed]").check()
    second_page.locator("textarea[name=reasons]").fill(
        "Erkennbar ein Zitat aus der Sitzung; keine Beleidigung."
    )
    shot(second_page, "appeal-decision")
    second_page.locator("input[name=_save]").click()
    second_page.wait_for_selector(".messagelist")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("reversed", second)

    # 5. The comment is back for every reader, and both parties are told.
    target.refresh_from_db()
    assert target.status == Comment.Status.PUBLISHED
    open_article(page, live_server, article)
    expect(card(page, target.pk)).to_contain_text("ein Vollidiot")
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {"autorin@example.org", "erika@example.org"}
    assert told["autorin@example.org"].subject == "Ihr Widerspruch war erfolgreich"
    assert "Erkennbar ein Zitat" in told["autorin@example.org"].body
    assert told["erika@example.org"].subject == "Neuigkeiten zu Ihrer Meldung"
    widget = open_article(author_page, live_server, article)
    expect(widget.locator(".stm-decisions")).to_contain_text("Ihrem Widerspruch wurde stattgegeben")

    # 6. The records for the Transparency Database validate; the report counts the case.
    out = io.StringIO()
    call_command("export_statements", stdout=out, stderr=io.StringIO())
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [record["puid"] for record in records] == [str(statement.puid)]
    schema = json.loads(SCHEMA.read_text())
    for record in records:
        jsonschema.validate(record, schema, format_checker=jsonschema.FormatChecker())
    assert records[0]["source_type"] == "SOURCE_ARTICLE_16"
    assert "Vollidiot" not in out.getvalue() and "erika" not in out.getvalue()

    today = date.today().isoformat()
    second_page.goto(f"{live_server.url}/admin/moderation/transparency/?start={today}&end={today}")
    report = second_page.locator("#content")
    shot(second_page, "transparency-report")
    # The last row of each table sums it: received, actioned (notices) · received, upheld, reversed (appeals).
    notices = report.locator("h3#notices_by_ground + table tbody tr").last.locator("td")
    expect(notices.nth(0)).to_have_text("1")
    expect(notices.nth(1)).to_have_text("1")
    appeals = report.locator("h3#appeals + table tbody tr").last.locator("td")
    expect(appeals.nth(0)).to_have_text("1")
    expect(appeals.nth(2)).to_have_text("1")
