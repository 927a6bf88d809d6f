"""Our pages under their Content-Security-Policy in a real browser: each one works,
and the browser refuses nothing under the policy (an inline script, a script from
elsewhere, eval), which would leave a page broken for real users. The ``page``
fixture collects the refusals (tests/browser/conftest.py)."""

import os

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread of this process (see test_widget.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Sicheres-Passwort-2026"


def test_the_api_docs_work_under_the_policy(live_server, page, policy_violations) -> None:
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert policy_violations == []


def test_the_article_page_and_its_widget_work_under_the_policy(live_server, page, policy_violations) -> None:
    article = ArticleFactory()
    page.goto(f"{live_server.url}/articles/{article.slug}/")
    expect(page.locator("section.stm .stm-count")).not_to_be_empty()
    assert policy_violations == []


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/admin/", "#content-main"),
        ("/admin/moderation/statistics/", "figure"),
        ("/admin/two-factor/", "img[src^='data:image/svg+xml']"),
        ("/admin/discussion/comment/", "#changelist"),
    ],
)
def test_admin_pages_work_under_the_policy(
    live_server, page, policy_violations, path: str, shown: str
) -> None:
    UserFactory(username="chefin", is_staff=True, is_superuser=True, password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", "chefin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator(shown).first).to_be_visible()
    assert policy_violations == []
