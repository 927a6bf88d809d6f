"""A real Chromium for browser tests (Debian's package, driven by Playwright).

Without Chromium on the machine the browser tests are skipped, unless
REQUIRE_BROWSER=1 (as CI sets it), where that is a failure.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(
    os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "var" / "artifacts")
)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def policy_violations() -> list[str]:
    """What the browser refused under our pages' Content-Security-Policy, in order."""
    return []


@pytest.fixture
def page(
    browser: "Browser", request: pytest.FixtureRequest, policy_violations: list[str]
) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Chromium reports every script, style or frame the policy refused on the console,
    # on whichever page of the test; a refusal would break the page for readers.
    page.on(
        "console",
        lambda message: (
            policy_violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert policy_violations == [], "the browser refused parts of a page under its Content-Security-Policy"
