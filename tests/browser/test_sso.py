"""Signing in with the publisher's accounts (SSO) in a real browser: a fake
publisher's site, served by its own HTTP server on another origin, embeds the
widget with a JWT it made for its signed-in reader, as a Coral site does."""

import os
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import SsoIdentity, SsoTokenUse
from accounts.sso import sso_secret_create
from discussion.models import Comment
from tests.browser.test_widget import german_article, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PUBLISHER_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Tagesblatt</title>
<link rel="stylesheet" href="{base}/static/stammtisch/embed.css"></head>
<body><header>Angemeldet beim Tagesblatt als {username}
<button id="login" type="button">Tagesblatt-Anmeldung</button>
<button id="logout" type="button">Tagesblatt-Abmeldung</button></header>
<h1>Stadtrat beschließt neue Radwege</h1>
<div data-stammtisch-article="{slug}" data-stammtisch-api="{base}" data-stammtisch-token="{token}"></div>
<script src="{base}/static/stammtisch/embed.js" defer></script>
<script>
document.getElementById('login').onclick = function () {{
  fetch('/sso-token').then(function (r) {{ return r.text(); }}).then(function (t) {{ Stammtisch.login(t); }});
}};
document.getElementById('logout').onclick = function () {{ Stammtisch.logout(); }};
</script></body></html>"""


class Publisher:
    """The publisher's site: its article page with a freshly made token for its reader
    in every page, and /sso-token for a new one (for Stammtisch.login)."""

    def __init__(self, *, secret: str, kid: str, base: str, slug: str) -> None:
        self.reader = {"id": "tb-10293", "email": "Bob@Tagesblatt.example", "username": "Bob Berger"}
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                token = publisher.token()
                if self.path == "/sso-token":
                    body, kind = token.encode(), "text/plain"
                else:
                    page = PUBLISHER_PAGE.format(base=base, slug=slug, token=token, username="Bob Berger")
                    body, kind = page.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.secret, self.kid = secret, kid
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self) -> str:
        now = int(time.time())
        claims = {
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 600,
            "user": self.reader | {"badges": ["ABONNENT"], "role": "COMMENTER"},
        }
        return jwt.encode(claims, self.secret, algorithm="HS256", headers={"kid": self.kid})


@pytest.fixture
def publisher(live_server: LiveServer, settings) -> Iterator[Publisher]:
    article = german_article()
    secret = sso_secret_create(kid="tagesblatt-2026")
    # The API on localhost, the publisher's page on 127.0.0.1: another origin.
    base = live_server.url.replace("127.0.0.1", "localhost")
    site = Publisher(secret=secret.secret, kid=secret.kid, base=base, slug=article.slug)
    settings.CORS_ALLOWED_ORIGINS = [site.origin]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_the_publishers_reader_is_signed_in_posts_and_signs_out(
    page: Page, publisher: Publisher, celery_worker
) -> None:
    page.goto(f"{publisher.origin}/artikel/radwege.html")
    widget = page.locator("section.stm")
    account = widget.locator(".stm-account")

    expect(account).to_contain_text("Angemeldet als Bob Berger")
    expect(account.locator(".stm-role")).to_have_text("ABONNENT")
    # The thread and the reader's own comments are loaded before the reader writes.
    expect(widget.locator(".stm-count")).not_to_be_empty()
    expect(widget).not_to_have_attribute("aria-busy", "true")
    page.wait_for_load_state("networkidle")
    identity = SsoIdentity.objects.get()
    assert (identity.subject, identity.email) == ("tb-10293", "bob@tagesblatt.example")

    widget.get_by_label("Ihr Kommentar").fill(
        "Endlich sichere Radwege in der Innenstadt, danke für den Bericht."
    )
    widget.get_by_role("button", name="Kommentar senden").click()
    expect(widget.locator(".stm-body").filter(has_text="Endlich sichere Radwege")).to_have_count(1)
    posted = Comment.objects.get()
    assert posted.author == identity.user
    expect(page.locator(f"#stm1-c{posted.pk} .stm-author")).to_have_text("Bob Berger")
    expect(page.locator(f"#stm1-c{posted.pk} .stm-role")).to_have_text("ABONNENT")
    shot(page, "sso-signed-in")

    # A reload brings a new token: the reader stays signed in, as the same account.
    page.reload()
    expect(account).to_contain_text("Angemeldet als Bob Berger")
    assert SsoIdentity.objects.count() == 1

    # The publisher's sign-out button: the widget signs out, the jti is revoked.
    page.get_by_role("button", name="Tagesblatt-Abmeldung").click()
    expect(widget.get_by_role("button", name="Anmelden")).to_be_visible()
    expect(widget.locator(".stm-status")).to_have_text("Sie sind abgemeldet.")
    expect(widget.get_by_label("Ihr Kommentar")).to_have_count(0)
    page.wait_for_function("() => !Object.keys(localStorage).some((k) => /^stammtisch-token [^ ]+$/.test(k))")
    deadline = time.monotonic() + 10
    while SsoTokenUse.objects.filter(revoked_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not SsoTokenUse.objects.filter(revoked_at__isnull=True).exists()

    # Stammtisch.login with a token the page fetched signs the reader in again.
    page.get_by_role("button", name="Tagesblatt-Anmeldung").click()
    expect(account).to_contain_text("Angemeldet als Bob Berger")
    expect(widget.locator(".stm-status")).to_have_text("Sie sind angemeldet.")
    shot(page, "sso-login-again")


def test_a_token_the_site_refuses_leaves_the_reader_signed_out_and_says_why(
    page: Page, publisher: Publisher
) -> None:
    publisher.secret = "ssosec_" + "0" * 64  # not the site's secret

    page.goto(f"{publisher.origin}/artikel/radwege.html")

    widget = page.locator("section.stm")
    expect(widget.locator(".stm-status")).to_contain_text("bad_signature")
    expect(widget.get_by_role("button", name="Anmelden")).to_be_visible()
    assert not SsoIdentity.objects.exists()
    stored = page.evaluate("() => Object.keys(localStorage)")
    assert [key for key in stored if not key.endswith(" sso")] == []
