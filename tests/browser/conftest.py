"""Playwright driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is /usr/bin/chromium from Debian's packages. One browser
for the session, a fresh context (cookies, storage) per page fixture. Tests wait on what the page
shows (auto-waiting locators and ``expect``), never on sleeps, ``networkidle`` or a navigation
they might have missed: a busy CI machine is slow, not different.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.demo_snapshot import demo_load
from tests.conftest import require_service

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}
SIGN_IN_URL = re.compile(r"/accounts/login/")
# Generous, since waiting ends as soon as the page shows what is expected: only a failure waits
# this long. Two cores shared with the rest of CI make a page take seconds, not milliseconds.
ACTION_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 60_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        require_service("browser tests need Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class BrowserPage:
    """A page plus the console errors it produced (a CSP violation shows up there)."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, email: str, password: str, *, succeeds: bool = True) -> None:
        """Sign in, then wait for the answer: the page after sign-in, or the form's error."""
        self.goto("/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        if succeeds:
            expect(self.page).not_to_have_url(SIGN_IN_URL)
        else:
            expect(self.page.get_by_role("alert")).to_be_visible()
        self.page.wait_for_load_state()

    def open_navigation(self) -> None:
        """Open the main menu where it is collapsed (phones); Bootstrap's JS runs under CSP."""
        toggler = self.page.get_by_role("button", name="Toggle navigation")
        if toggler.is_visible():
            toggler.click()
            expect(self.page.locator(".navbar-collapse.show")).to_be_visible()

    def sign_out(self) -> None:
        """Sign out from the menu and wait until the sign-in form is on screen."""
        self.open_navigation()
        self.page.get_by_role("button", name="Account").click()
        self.page.get_by_role("button", name=re.compile("^Sign out")).click()
        expect(self.page).to_have_url(SIGN_IN_URL)
        expect(self.page.get_by_role("button", name="Sign in")).to_be_visible()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.wait_for_load_state()  # the document the test just waited for has loaded
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_accessible(self) -> None:
        self.page.wait_for_load_state()
        violations = Axe().run(self.page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in blocking
        )
        assert not blocking, f"axe-core found serious or critical violations:\n{details}"
        # Part of being usable: content that needs sideways scrolling is lost on a phone.
        self.assert_fits_the_screen()

    def assert_fits_the_screen(self) -> None:
        """Nothing spills sideways (the page never needs horizontal scrolling on a phone)."""
        width = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert width <= 0, f"the page is {width}px wider than the screen"

    def assert_no_console_errors(self) -> None:
        assert not self.console_errors, f"browser console errors: {self.console_errors}"


@pytest.fixture(autouse=True)
def site_url_is_the_live_server(live_server, settings):
    """Links in emails are built on SITE_URL (core.links): here, the server the browser talks to,
    as `make run` sets it from PORT."""
    settings.SITE_URL = live_server.url


def open_page(browser, live_server, viewport: dict):
    """A fresh context (nobody signed in) on the session's one browser."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context, BrowserPage(context.new_page(), live_server.url)


@pytest.fixture
def phone(browser, live_server):
    context, page = open_page(browser, live_server, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context, page = open_page(browser, live_server, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo program exactly as `make run` loads it (seeded once, copied back after)."""
    demo_load()
