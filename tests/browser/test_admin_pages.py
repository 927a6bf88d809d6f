"""Every admin page is readable at the widths of a newsroom's screens (1280 to 1440
pixels), in German and in English.

The pages are discovered, not listed: the admin index and each app's index, every
model's change list, one add page per model that may be added to and one change page
per model that has an object, the pages the site registers beside its models and
those a model's admin adds without arguments. A superuser visits each with the
realistic data of a small newsroom (tests.factories.newsroom) and we check:

* it answers 200;
* the page does not scroll sideways (the root element is no wider than the window);
* no table is cut off: a table inside a box that scrolls or clips sideways (Django
  puts a change list's table in such a box) fits that box, so every column is in
  view without scrolling it;
* on German pages no English words of the admin's own vocabulary are left.

A full-page screenshot of each page at 1440 pixels goes to
TEST_ARTIFACTS_DIR/admin/<language>/<page>.png (see docs/testing.md).
"""

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse

from tests.browser.conftest import ARTIFACTS
from tests.factories import newsroom

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread of this process (see test_widget.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WIDTHS = (1440, 1280)
SCREENSHOT_WIDTH = 1440
NARROWEST_COLUMN = 32  # pixels: three or four letters of the admin's type
# Our own apps: their pages must be German throughout. Those of the libraries we
# use (Axes, django-otp, DRF's tokens) come with the translations they have.
OUR_APPS = {"articles", "accounts", "discussion", "moderation", "auth"}
# The admin site's own URLs that are not pages to read: forms that only post or
# redirect a signed-in user, and the JavaScript catalogue.
NOT_PAGES = {"login", "logout", "jsi18n", "autocomplete"}

# Words of the admin's own vocabulary (Django's and ours) that a German page must not
# show: whole words, case-sensitive, so that German words that contain them or share
# their spelling in lower case ("Action" vs. "Aktion", "Status" is both) do not count.
ENGLISH_WORDS = [
    "Add",
    "Change",
    "Delete",
    "Save",
    "Search",
    "Home",
    "History",
    "Yes",
    "Unknown",
    "Today",
    "Select",
    "selected",
    "Show all",
    "View site",
    "Log out",
    "Comment",
    "Comments",
    "comment",
    "comments",
    "Article",
    "Articles",
    "article",
    "Reader",
    "Readers",
    "reader",
    "Reason",
    "reason",
    "Created",
    "created",
    "Notice",
    "Notices",
    "Appeal",
    "Appeals",
    "Report",
    "Reports",
    "reports",
    "held",
    "rejected",
    "published",
    "pending",
    "waiting",
    "Score",
    "Decision",
    "decision",
    "Settings",
    "Queue",
    "the",
    "and",
    "of",
    "with",
    "by",
    "from",
    "none",
]
# Not inside identifiers such as the event names "comment.held" or "reader.restricted".
ENGLISH = re.compile(
    r"(?<![\w.-])(" + "|".join(re.escape(word) for word in ENGLISH_WORDS) + r")(?![\w-]|\.\w)"
)

# The admin's own words on a page: headings, navigation, column and field labels,
# filters, buttons. Not the data in cells and fields, nor an object's name.
CHROME = ", ".join(
    [
        "#nav-sidebar caption",
        "#nav-sidebar th",
        "#content h1",
        "#result_list thead th",
        "#changelist-filter h2",
        "#changelist-filter h3",
        "#changelist-filter summary",
        "#changelist-filter li",
        "#content label",
        "#content legend",
        "#content fieldset > h2",
        "#content .module > h2",
        "#content caption",
        ".object-tools a",
        ".actions",
        ".paginator",
        "#content input[type=submit]",
        "#content button",
        "#content a.button",
    ]
)

# Measured in the page: how far the root element is wider than the window; each
# table that does not fit the box it scrolls or is clipped in, with the widths; the
# change list's columns narrower than ``narrowest`` pixels (their words would break
# letter by letter); the text of the admin's own words (``chrome``).
MEASURE = """
([narrowest, chrome]) => {
  const root = document.documentElement;
  const cut = [];
  for (const table of document.querySelectorAll("#content table")) {
    for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === "visible") continue;
      if (box.scrollWidth > box.clientWidth + 1) {
        const name = table.id ? "#" + table.id : (box.id ? "#" + box.id : box.className || box.tagName);
        cut.push(`${name}: ${box.scrollWidth}px in ${box.clientWidth}px`);
      }
      break;
    }
  }
  const narrow = [];
  for (const heading of document.querySelectorAll("#result_list thead th")) {
    const width = heading.getBoundingClientRect().width;
    const label = heading.innerText.trim();
    if (label && width < narrowest) narrow.push(`${label} ${Math.round(width)}px`);
  }
  const words = [];
  for (const element of document.querySelectorAll(chrome)) {
    if (element.closest(".help, .helptext, .selector, [translate=no]")) continue;
    if (!element.checkVisibility()) continue;
    const text = element.value || element.textContent || "";
    if (text.trim()) words.push(text.trim());
  }
  return {overflow: root.scrollWidth - window.innerWidth, cut: cut, narrow: narrow, text: words.join("\\n")};
}
"""


def english_leftovers(text: str) -> list[str]:
    """Each English word of ENGLISH_WORDS in ``text``, once, in the line it stands in."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        for match in ENGLISH.finditer(line):
            found.setdefault(match.group(1), f"{match.group(1)!r} in {line.strip()[:120]!r}")
    return [found[word] for word in sorted(found)]


@dataclass(frozen=True)
class AdminPage:
    name: str
    path: str
    ours: bool = True
    kind: str = "site"  # or "model": a change list, add or change page


def admin_pages(superuser: User) -> list[AdminPage]:
    """Every page of the admin site that a superuser can read, for the data as it is."""
    site = admin.site
    request = RequestFactory().get("/admin/")
    request.user = superuser
    pages = [AdminPage("index", reverse("admin:index"))]
    pages += [
        AdminPage(label, reverse("admin:app_list", args=[label]), ours=label in OUR_APPS)
        for label in sorted({model._meta.app_label for model in site._registry})
    ]
    for model, model_admin in site._registry.items():
        opts = model._meta
        name = f"{opts.app_label}.{opts.model_name}"
        ours = opts.app_label in OUR_APPS
        url = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append(AdminPage(name, reverse(f"{url}_changelist"), ours, "model"))
        if model_admin.has_add_permission(request):
            pages.append(AdminPage(f"{name}.add", reverse(f"{url}_add"), ours, "model"))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            pages.append(AdminPage(f"{name}.change", reverse(f"{url}_change", args=[obj.pk]), ours, "model"))
        standard = {pattern.name for pattern in admin.ModelAdmin(model, site).get_urls()}
        pages += [
            AdminPage(f"{name}.{pattern.name}", reverse(f"admin:{pattern.name}"), ours)
            for pattern in model_admin.get_urls()
            if isinstance(pattern, URLPattern)
            and pattern.name not in standard
            and not pattern.pattern.regex.groups
        ]
    pages += [
        AdminPage(pattern.name, reverse(f"admin:{pattern.name}"))
        for pattern in site.get_urls()
        if isinstance(pattern, URLPattern)
        and pattern.name
        and pattern.name not in NOT_PAGES
        and pattern.name != "index"
        and not pattern.pattern.regex.groups
    ]
    return pages


def html_pages(pages: list[AdminPage], superuser: User) -> list[AdminPage]:
    """The pages among ``pages`` that a GET opens as HTML: a change list, add or change
    page always does; a URL of the site or of a model's admin may be a download, an
    answer for scripts (JSON) or an action that only takes a POST (405)."""
    client = Client()
    client.force_login(superuser)

    def is_page(path: str) -> bool:
        response = client.get(path)
        return response.status_code != 405 and response["Content-Type"].startswith("text/html")

    return [page for page in pages if page.kind == "model" or is_page(page.path)]


def test_every_admin_page_is_readable_at_newsroom_widths(live_server, browser) -> None:
    staff = newsroom()
    pages = html_pages(admin_pages(staff.administrator), staff.administrator)
    assert len(pages) > 40, "the discovery found the admin's pages"
    session = Client()
    session.force_login(staff.administrator)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    problems: list[str] = []
    for language, locale in (("de", "de-DE"), ("en", "en-US")):
        # The browser's language chooses the page's (Accept-Language): no cookie says otherwise.
        context = browser.new_context(viewport={"width": SCREENSHOT_WIDTH, "height": 900}, locale=locale)
        context.add_cookies([cookie])
        try:
            problems += visit(context.new_page(), live_server.url, pages, language)
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def visit(page: "Page", base_url: str, pages: list[AdminPage], language: str) -> list[str]:
    """Visit ``pages`` in ``page``'s browser context; what is wrong with them."""
    page.set_default_timeout(15_000)
    shots = ARTIFACTS / "admin" / language
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for admin_page in pages:
        page.set_viewport_size({"width": SCREENSHOT_WIDTH, "height": 900})
        response = page.goto(base_url + admin_page.path)
        assert response is not None
        if response.status != 200:
            problems.append(f"{admin_page.name} ({admin_page.path}): status {response.status}")
            continue
        assert page.locator("html").get_attribute("lang") == language
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            measured: dict[str, Any] = page.evaluate(MEASURE, [NARROWEST_COLUMN, CHROME])
            where = f"{language}: {admin_page.name} at {width}px"
            if measured["overflow"] > 0:
                problems.append(f"{where}: the page is {measured['overflow']}px too wide")
            problems += [f"{where}: table cut off, {cut}" for cut in measured["cut"]]
            problems += [f"{where}: column too narrow, {column}" for column in measured["narrow"]]
            if width == SCREENSHOT_WIDTH:
                page.screenshot(path=str(shots / f"{admin_page.name}.png"), full_page=True)
                if language == "de" and admin_page.ours:
                    problems += [
                        f"{admin_page.name}: English on the German page: {leftover}"
                        for leftover in english_leftovers(measured["text"])
                    ]
    return problems
