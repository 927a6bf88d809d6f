"""The readers' comment widget in a real browser, on the demo article page served by
a live server. Where the test is about moderation, a real Redis and a real Celery
worker process decide: the widget shows the verdict without a reload."""

import os
import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from accounts.models import ReaderProfile
from articles.models import Article
from discussion.models import Comment, Reaction, Report
from moderation.models import Term
from tests.browser.conftest import ARTIFACTS
from tests.factories import ArticleFactory, CommentFactory, UserFactory, reply_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread of this process; Django refuses synchronous
# database access from inside Playwright's event loop unless told it is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Ein-sicheres-Passwort-2026"
POLITE = "Danke für den ausführlichen Bericht, sehr informativ und gut recherchiert."
INSULT = "Du bist ein dummer Idiot, halt die Fresse."
XSS = '<img src=x onerror=alert(1)> <script>alert("xss")</script>'

# Records every (comment, status, badge) the widget shows, so that a state the
# worker ends within a second is still seen: the widget polls, the test does not race it.
RECORD_STATES = """() => {
  window.stmSeen = new Set();
  const note = () => document.querySelectorAll('.stm-comment').forEach((li) => {
    const badge = li.querySelector(':scope > .stm-card .stm-badge');
    const shown = badge && badge.checkVisibility() ? badge.textContent : '';
    window.stmSeen.add([li.dataset.id, li.dataset.status, shown].join('|'));
  });
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"), full_page=True)


def open_article(page: Page, live_server: LiveServer, article: Article) -> Locator:
    page.goto(f"{live_server.url}/articles/{article.slug}/")
    widget = page.locator("section.stm")
    expect(widget.locator(".stm-count")).not_to_be_empty()
    expect(widget).not_to_have_attribute("aria-busy", "true")
    return widget


def comment(page: Page, comment_id: int) -> Locator:
    return page.locator(f"#stm1-c{comment_id}")


def card(page: Page, comment_id: int) -> Locator:
    return page.locator(f"#stm1-c{comment_id} > .stm-card")


def seen(page: Page) -> set[str]:
    return set(page.evaluate("() => [...window.stmSeen]"))


def post(widget: Locator, field: str, button: str, text: str) -> Comment:
    """Write and send a comment through the widget; the comment as stored."""
    widget.get_by_label(field).fill(text)
    widget.get_by_role("button", name=button).click()
    expect(widget.locator(".stm-body").filter(has_text=text)).to_have_count(1)
    return Comment.objects.get(body=text)


def sign_in(widget: Locator, username: str, shown: str | None = None) -> None:
    widget.get_by_role("button", name="Anmelden").click()
    widget.get_by_label("Benutzername").fill(username)
    widget.get_by_label("Passwort").fill(PASSWORD)
    widget.get_by_role("button", name="Anmelden", exact=True).click()
    expect(widget.locator(".stm-account")).to_contain_text(f"Angemeldet als {shown or username}")
    expect(widget).not_to_have_attribute("aria-busy", "true")  # the thread again, with the reader's likes


def german_article() -> Article:
    return ArticleFactory(
        title="Stadtrat beschließt neue Radwege",
        teaser="Die Innenstadt bekommt bis 2027 durchgehende Radwege.",
        body=[
            {
                "type": "paragraph",
                "text": "Der Stadtrat hat am Dienstag beschlossen, die Radwege auszubauen.",
            },
            {"type": "subheading", "text": "Was sich ändert"},
            {"type": "paragraph", "text": "Auf der Hauptstraße fällt eine Parkspur weg."},
        ],
    )


def test_a_new_reader_posts_and_sees_the_verdict_without_reloading(live_server, page, celery_worker) -> None:
    article = german_article()
    other = CommentFactory(article=article, body="Endlich passiert etwas für Radfahrer.")
    widget = open_article(page, live_server, article)
    page.evaluate(RECORD_STATES)
    expect(widget.get_by_role("heading", name="Kommentare (1)")).to_be_visible()

    widget.get_by_role("button", name="Registrieren").click()
    widget.get_by_label("Benutzername").fill("leserin")
    widget.get_by_label("Passwort").fill(PASSWORD)
    widget.get_by_label("Anzeigename (freiwillig)").fill("Leserin L.")
    widget.get_by_role("checkbox", name="Diskussionsregeln").check()
    widget.get_by_role("button", name="Registrieren", exact=True).click()
    expect(widget.locator(".stm-account")).to_contain_text("Angemeldet als Leserin L.")
    expect(widget).not_to_have_attribute("aria-busy", "true")
    expect(widget.get_by_label("Ihr Kommentar")).to_be_focused()

    # A polite comment: awaiting moderation, then published when the worker has scored it.
    polite = post(widget, "Ihr Kommentar", "Kommentar senden", POLITE)
    expect(comment(page, polite.pk)).to_be_focused()
    expect(comment(page, polite.pk)).to_have_attribute("data-status", "published")
    assert f"{polite.pk}|pending|wartet auf Freischaltung" in seen(page)
    expect(card(page, polite.pk).locator(".stm-badge")).to_have_count(0)
    expect(card(page, polite.pk).locator(".stm-author")).to_have_text("Leserin L.")
    expect(widget.locator(".stm-status")).to_have_text("Ihr Kommentar ist jetzt veröffentlicht.")
    expect(widget.get_by_role("heading", name="Kommentare (2)")).to_be_visible()

    # A reply to another reader, nested under it.
    card(page, other.pk).get_by_role("button", name="Antworten").click()
    reply = post(
        widget, "Ihre Antwort an reader", "Antwort senden", "Ich sehe das genauso, danke für den Hinweis."
    )
    assert reply.parent_id == other.pk
    expect(comment(page, other.pk).locator(f".stm-replies > #stm1-c{reply.pk}")).to_have_attribute(
        "data-status", "published"
    )

    # An insult: not published, and its author is told so.
    insult = post(widget, "Ihr Kommentar", "Kommentar senden", INSULT)
    expect(comment(page, insult.pk)).to_have_attribute("data-status", "rejected")
    expect(card(page, insult.pk).locator(".stm-badge")).to_have_text("nicht veröffentlicht")
    expect(widget.locator(".stm-status")).to_have_text("Ihr Kommentar wurde nicht veröffentlicht.")
    assert Comment.objects.get(pk=insult.pk).status == Comment.Status.REJECTED
    shot(page, "verdicts")

    # Markup in a comment is text: shown literally to its author while it waits
    # (a suspect term holds it for a human: it stays "awaiting moderation").
    Term.objects.create(text="onerror", kind=Term.Kind.SUSPECT)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    held = post(widget, "Ihr Kommentar", "Kommentar senden", XSS)
    expect(card(page, held.pk).locator(".stm-body")).to_have_text(XSS)
    for _ in range(100):
        held.refresh_from_db()
        if held.status != Comment.Status.PENDING:
            break
        page.wait_for_timeout(100)
    assert held.status == Comment.Status.HELD
    page.wait_for_timeout(1000)  # the widget's next poll has come and gone
    expect(card(page, held.pk).locator(".stm-badge")).to_have_text("wartet auf Freischaltung")
    assert widget.locator("img, script").count() == 0
    assert dialogs == []

    # Reloaded, the thread shows the author's own waiting and rejected comments too.
    page.reload()
    expect(card(page, held.pk).locator(".stm-badge")).to_have_text("wartet auf Freischaltung")
    expect(card(page, insult.pk).locator(".stm-badge")).to_have_text("nicht veröffentlicht")
    expect(card(page, polite.pk).get_by_role("button", name="Bearbeiten")).to_be_visible()
    shot(page, "own-comments")


def test_an_author_edits_and_deletes_their_comment(live_server, page, celery_worker) -> None:
    article = german_article()
    UserFactory(username="autor", password=PASSWORD)
    widget = open_article(page, live_server, article)
    page.evaluate(RECORD_STATES)
    sign_in(widget, "autor")

    mine = post(widget, "Ihr Kommentar", "Kommentar senden", "Die Radwege kommen viel zu spät.")
    expect(comment(page, mine.pk)).to_have_attribute("data-status", "published")

    card(page, mine.pk).get_by_role("button", name="Bearbeiten").click()
    editor = widget.get_by_label("Kommentar bearbeiten")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Die Radwege kommen viel zu spät.")
    editor.fill("Die Radwege kommen spät, aber immerhin kommen sie.")
    widget.get_by_role("button", name="Speichern").click()
    expect(card(page, mine.pk).locator(".stm-body")).to_have_text(
        "Die Radwege kommen spät, aber immerhin kommen sie."
    )
    expect(card(page, mine.pk).locator(".stm-edited")).to_contain_text("bearbeitet")
    expect(comment(page, mine.pk)).to_have_attribute("data-status", "published")
    assert f"{mine.pk}|pending|wartet auf Freischaltung" in seen(page)
    mine.refresh_from_db()
    assert (mine.revision, mine.status) == (2, Comment.Status.PUBLISHED)
    shot(page, "edited")

    card(page, mine.pk).get_by_role("button", name="Löschen").click()
    widget.locator(f"#stm1-c{mine.pk} .stm-slot").get_by_role("button", name="Löschen").click()
    expect(comment(page, mine.pk)).to_have_count(0)
    expect(widget.locator(".stm-status")).to_have_text("Ihr Kommentar wurde gelöscht.")
    expect(widget.get_by_role("heading", name="Kommentare")).to_be_focused()
    expect(widget.get_by_role("heading", name="Kommentare (0)")).to_be_visible()
    assert Comment.objects.get(pk=mine.pk).status == Comment.Status.REMOVED


def test_a_reader_likes_and_reports_comments(live_server, page) -> None:
    article = german_article()
    liked = CommentFactory(article=article, body="Gute Entscheidung des Stadtrats.")
    reported = CommentFactory(article=article, body="Kauft billige Uhren bei uhren-billig.example!")
    reader = UserFactory(username="leser", password=PASSWORD)
    widget = open_article(page, live_server, article)

    # Signed out, a like asks for signing in first.
    card(page, liked.pk).get_by_role("button", name="Gefällt mir").click()
    expect(widget.locator(".stm-status")).to_have_text("Bitte melden Sie sich zuerst an.")
    sign_in(widget, "leser")

    like = card(page, liked.pk).get_by_role("button", name="Gefällt mir")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_text("Gefällt mir 1")
    expect(like).to_be_focused()
    assert Reaction.objects.filter(comment=liked, user=reader).exists()
    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_have_text("Gefällt mir 0")
    like.click()
    expect(like).to_have_text("Gefällt mir 1")

    card(page, reported.pk).get_by_role("button", name="Melden").click()
    form = comment(page, reported.pk).locator(".stm-slot form")
    expect(form.get_by_role("group", name="Warum melden Sie diesen Kommentar?")).to_be_visible()
    expect(form.get_by_label("Spam oder Werbung")).to_be_focused()
    form.get_by_label("Spam oder Werbung").check()
    form.get_by_label("Anmerkung (freiwillig)").fill("Werbung für Uhren.")
    shot(page, "report")
    form.get_by_role("button", name="Meldung senden").click()
    expect(widget.locator(".stm-status")).to_have_text("Danke. Die Moderation sieht sich den Kommentar an.")
    expect(card(page, reported.pk).get_by_role("button", name="Gemeldet")).to_be_disabled()
    report = Report.objects.get(comment=reported)
    assert (report.reporter, report.reason, report.note) == (reader, "spam", "Werbung für Uhren.")

    # Likes and the sign-in outlive a reload (the token is kept in localStorage).
    page.reload()
    expect(widget.locator(".stm-account")).to_contain_text("Angemeldet als leser")
    expect(card(page, liked.pk).get_by_role("button", name="Gefällt mir")).to_have_attribute(
        "aria-pressed", "true"
    )
    token = Token.objects.get(user=reader).key
    with page.expect_response(
        lambda r: r.url.endswith("/api/auth/token/") and r.request.method == "DELETE"
    ) as signed_out:
        widget.get_by_role("button", name="Abmelden").click()
    assert signed_out.value.status == 204
    expect(widget.get_by_role("button", name="Anmelden")).to_be_focused()
    expect(card(page, liked.pk).get_by_role("button", name="Gefällt mir")).to_have_attribute(
        "aria-pressed", "false"
    )
    # Signing out revoked the token on the server, not only in this browser.
    assert not Token.objects.filter(key=token).exists()
    assert (
        page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('stammtisch-token'))") == []
    )


def test_signing_out_offline_still_forgets_the_token(live_server, page) -> None:
    article = german_article()
    reader = UserFactory(username="leser", password=PASSWORD)
    widget = open_article(page, live_server, article)
    sign_in(widget, "leser")
    token = Token.objects.get(user=reader).key

    page.route("**/api/auth/token/", lambda route: route.abort("internetdisconnected"))
    widget.get_by_role("button", name="Abmelden").click()

    expect(widget.locator(".stm-status")).to_have_text("Sie sind abgemeldet.")
    expect(widget.get_by_role("button", name="Anmelden")).to_be_focused()
    assert (
        page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('stammtisch-token'))") == []
    )
    page.reload()
    expect(widget.get_by_role("button", name="Anmelden")).to_be_visible()
    # The request never reached the server: the token is still valid there.
    assert Token.objects.filter(key=token).exists()


def test_readers_text_is_rendered_as_inert_text(live_server, page) -> None:
    article = german_article()
    author = UserFactory(username="mallory")
    ReaderProfile.objects.create(user=author, display_name='<b onmouseover="alert(2)">Mallory</b>')
    hostile = CommentFactory(article=article, author=author, body=XSS + "\n<iframe src=javascript:alert(3)>")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    widget = open_article(page, live_server, article)

    expect(card(page, hostile.pk).locator(".stm-body")).to_have_text(
        XSS + "\n<iframe src=javascript:alert(3)>"
    )
    expect(card(page, hostile.pk).locator(".stm-author")).to_have_text(
        '<b onmouseover="alert(2)">Mallory</b>'
    )
    card(page, hostile.pk).locator(".stm-author").hover()
    page.wait_for_timeout(300)
    assert widget.locator("img, script, iframe, b").count() == 0
    assert dialogs == []
    shot(page, "inert-text")


def test_sorting_paging_and_deep_replies(live_server, page, settings) -> None:
    settings.THREAD_PAGE_SIZE = 2
    article = german_article()
    first = CommentFactory(article=article, body="Erster Kommentar.")
    CommentFactory(article=article, body="Zweiter Kommentar.")
    third = CommentFactory(article=article, body="Dritter Kommentar.", like_count=4)
    chain = [first]
    for depth in range(1, 6):  # nested down to depth 3, deeper replies come on request
        chain.append(reply_to(chain[-1], body=f"Antwort auf Ebene {depth}."))

    widget = open_article(page, live_server, article)
    tops = widget.locator(".stm-list > .stm-comment > .stm-card .stm-body")
    expect(tops).to_have_text(["Erster Kommentar.", "Zweiter Kommentar."])
    expect(widget.get_by_role("button", name="Älteste zuerst")).to_have_attribute("aria-pressed", "true")

    widget.get_by_role("button", name="Weitere Kommentare laden").click()
    expect(tops).to_have_text(["Erster Kommentar.", "Zweiter Kommentar.", "Dritter Kommentar."])
    expect(comment(page, third.pk)).to_be_focused()
    expect(widget.get_by_role("button", name="Weitere Kommentare laden")).to_be_hidden()

    # Depth 4 and 5 hang below depth 3; the widget fetches them nested.
    anchor = comment(page, chain[3].pk)
    expect(anchor.locator(".stm-comment")).to_have_count(0)
    anchor.get_by_role("button", name="2 Antworten anzeigen").click()
    expect(anchor.locator(f"#stm1-c{chain[4].pk} #stm1-c{chain[5].pk} .stm-body")).to_have_text(
        "Antwort auf Ebene 5."
    )
    expect(comment(page, chain[4].pk)).to_be_focused()
    shot(page, "deep-replies")

    widget.get_by_role("button", name="Beliebteste").click()
    expect(widget.get_by_role("button", name="Beliebteste")).to_have_attribute("aria-pressed", "true")
    expect(tops.first).to_have_text("Dritter Kommentar.")
    widget.get_by_role("button", name="Neueste zuerst").click()
    expect(tops).to_have_text(["Dritter Kommentar.", "Zweiter Kommentar."])


def test_a_reader_changes_their_display_name(live_server, page) -> None:
    article = german_article()
    reader = UserFactory(username="leser", password=PASSWORD)
    published = CommentFactory(article=article, author=reader, body="Gut, dass die Radwege kommen.")
    waiting = CommentFactory(
        article=article, author=reader, body="Und die Ampeln?", status=Comment.Status.PENDING
    )
    other = CommentFactory(article=article, body="Endlich passiert etwas für Radfahrer.")
    widget = open_article(page, live_server, article)
    sign_in(widget, "leser")
    account = widget.locator(".stm-account")
    expect(card(page, published.pk).get_by_role("button", name="Löschen")).to_be_visible()  # known as own
    expect(card(page, waiting.pk).locator(".stm-author")).to_have_text("leser")

    # Opened and closed from the keyboard; the focus goes to the field and back.
    change = account.get_by_role("button", name="Name ändern")
    change.focus()
    page.keyboard.press("Enter")
    field = account.get_by_label("Ihr Anzeigename")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    expect(field).to_have_attribute("autocomplete", "nickname")
    expect(field).to_have_attribute("maxlength", "50")
    expect(change).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(field).to_have_count(0)
    expect(change).to_be_focused()
    expect(change).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(field).to_be_focused()

    field.fill("Leser L.")
    shot(page, "name-form")
    page.keyboard.press("Enter")
    expect(widget.locator(".stm-status")).to_have_text("Ihr Name wurde geändert.")
    expect(account.locator("strong")).to_have_text("Leser L.")
    expect(account.get_by_label("Ihr Anzeigename")).to_have_count(0)
    expect(change).to_be_focused()
    # Authors are named as they are now: the reader's comments carry the new name.
    expect(card(page, published.pk).locator(".stm-author")).to_have_text("Leser L.")
    expect(card(page, waiting.pk).locator(".stm-author")).to_have_text("Leser L.")
    expect(card(page, other.pk).locator(".stm-author")).not_to_have_text("Leser L.")
    assert ReaderProfile.objects.get(user=reader).display_name == "Leser L."

    page.reload()
    expect(account).to_contain_text("Angemeldet als Leser L.")
    expect(card(page, published.pk).locator(".stm-author")).to_have_text("Leser L.")
    expect(card(page, waiting.pk).locator(".stm-author")).to_have_text("Leser L.")
    account.get_by_role("button", name="Name ändern").click()
    expect(account.get_by_label("Ihr Anzeigename")).to_have_value("Leser L.")


def test_a_refused_name_is_explained_next_to_the_field(live_server, page) -> None:
    article = german_article()
    ReaderProfile.objects.create(user=UserFactory(username="anna"), display_name="Anna K.")
    reader = UserFactory(username="leser", password=PASSWORD)
    ReaderProfile.objects.create(user=reader, display_name="Leser L.")
    widget = open_article(page, live_server, article)
    sign_in(widget, "leser", shown="Leser L.")
    account = widget.locator(".stm-account")

    change = account.get_by_role("button", name="Name ändern")
    change.click()
    field = account.get_by_label("Ihr Anzeigename")
    expect(field).to_have_value("Leser L.")
    field.fill("anna k.")
    account.get_by_role("button", name="Speichern").click()
    expect(account.locator(".stm-field-error")).to_have_text("Dieser Name ist nicht verfügbar.")
    expect(field).to_have_accessible_description("Dieser Name ist nicht verfügbar.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("anna k.")
    expect(field).to_be_focused()
    expect(account.locator("strong")).to_have_text("Leser L.")
    shot(page, "name-taken")
    assert ReaderProfile.objects.get(user=reader).display_name == "Leser L."

    account.get_by_role("button", name="Abbrechen").click()
    expect(field).to_have_count(0)
    expect(change).to_be_focused()

    # A suspended reader is told why (403); the form stays as it was.
    ReaderProfile.objects.filter(user=reader).update(suspended_until="2099-01-01T12:00:00Z")
    change.click()
    field.fill("Leser Lang")
    account.get_by_role("button", name="Speichern").click()
    expect(widget.locator(".stm-status")).to_contain_text("Ihr Konto ist bis")
    expect(field).to_have_value("Leser Lang")

    # A token revoked elsewhere (401): the widget is signed out, and says so.
    Token.objects.filter(user=reader).delete()
    account.get_by_role("button", name="Speichern").click()
    expect(widget.locator(".stm-status")).to_have_text("Bitte melden Sie sich zuerst an.")
    expect(account.get_by_role("button", name="Anmelden")).to_be_focused()
    assert ReaderProfile.objects.get(user=reader).display_name == "Leser L."


def test_clearing_the_display_name_shows_the_username_again(live_server, page) -> None:
    article = german_article()
    reader = UserFactory(username="leser", password=PASSWORD)
    ReaderProfile.objects.create(user=reader, display_name="Leser L.")
    mine = CommentFactory(article=article, author=reader, body="Gut, dass die Radwege kommen.")
    widget = open_article(page, live_server, article)
    expect(card(page, mine.pk).locator(".stm-author")).to_have_text("Leser L.")
    sign_in(widget, "leser", shown="Leser L.")
    account = widget.locator(".stm-account")
    expect(card(page, mine.pk).get_by_role("button", name="Löschen")).to_be_visible()

    account.get_by_role("button", name="Name ändern").click()
    account.get_by_label("Ihr Anzeigename").fill("")
    account.get_by_role("button", name="Speichern").click()
    expect(widget.locator(".stm-status")).to_have_text("Ihr Name wurde geändert.")
    expect(account.locator("strong")).to_have_text("leser")
    expect(card(page, mine.pk).locator(".stm-author")).to_have_text("leser")
    assert ReaderProfile.objects.get(user=reader).display_name == ""

    page.reload()
    expect(account).to_contain_text("Angemeldet als leser")
    expect(card(page, mine.pk).locator(".stm-author")).to_have_text("leser")


# The embedding snippet of the README, on a page that is not one of ours.
NEWS_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>The Millbrook Courier</title>
<link rel="stylesheet" href="{base}/static/stammtisch/embed.css"></head>
<body><h1>Library reopens</h1><p>The library welcomed its first visitors.</p>
<div data-stammtisch-article="{slug}" data-stammtisch-api="{base}"></div>
<script src="{base}/static/stammtisch/embed.js" defer></script></body></html>"""


def test_the_widget_speaks_the_language_of_the_page(live_server, page) -> None:
    english = ArticleFactory(title="Library reopens", language="en")
    CommentFactory(article=english, body="Great news for the town.")
    closed = ArticleFactory(title="Archiv", language="de", comment_mode="off")
    news_page = f"{live_server.url}/courier/library-reopens.html"
    html = NEWS_PAGE.format(base=live_server.url, slug=english.slug)
    page.route(news_page, lambda route: route.fulfill(content_type="text/html", body=html))

    page.goto(news_page)
    widget = page.locator("section.stm")
    expect(widget.get_by_role("heading", name="Comments (1)")).to_be_visible()
    expect(widget.get_by_role("button", name="Sign in")).to_be_visible()
    expect(widget.get_by_role("button", name="Oldest first")).to_have_attribute("aria-pressed", "true")
    expect(widget.get_by_role("button", name="Like 0", exact=True)).to_be_visible()
    expect(widget.get_by_role("button", name="Report")).to_be_visible()
    widget.get_by_role("button", name="Like 0", exact=True).click()
    expect(widget.locator(".stm-status")).to_have_text("Please sign in first.")
    expect(widget.get_by_role("button", name="Sign in")).to_be_focused()
    shot(page, "english")

    widget = open_article(page, live_server, closed)
    assert page.evaluate("document.documentElement.lang") == "de"
    expect(widget.get_by_role("heading", name="Kommentare (0)")).to_be_visible()
    expect(widget.get_by_role("button", name="Anmelden")).to_be_visible()
    expect(widget.locator(".stm-closed")).to_have_text("Die Diskussion zu diesem Artikel ist geschlossen.")
    expect(widget.locator(".stm-empty")).to_have_text("Noch keine Kommentare.")
    assert re.search("Sign in|Comments", widget.inner_text()) is None


def test_the_newsrooms_comments_carry_its_badge(live_server, page) -> None:
    article = german_article()
    CommentFactory(
        article=article,
        author=UserFactory(username="redakteurin", is_staff=True),
        body="Wir haben korrigiert.",
    )
    CommentFactory(article=article, body="Guter Artikel.")
    widget = open_article(page, live_server, article)
    comments = widget.locator(".stm-comment")
    expect(comments).to_have_count(2)
    expect(comments.nth(0).locator(".stm-role")).to_have_text(["Redaktion"])
    expect(comments.nth(1).locator(".stm-role")).to_have_count(0)
