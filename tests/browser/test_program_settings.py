"""The director finds every setting from the dashboard, on a phone and at a desk."""

import re

import pytest
from playwright.sync_api import expect

from demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.browser

SETTINGS_PAGE = re.compile(r".*/programs/\d+/settings/$")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_director_reaches_every_setting_from_the_dashboard(demo, viewport, request):
    screen = request.getfixturevalue(viewport)
    screen.sign_in("director@demo.test", DEMO_PASSWORD)
    screen.page.get_by_role("link", name="Program settings").click()
    expect(screen.page.get_by_role("heading", name="Program settings")).to_be_visible()
    settings = screen.page.locator("#program-settings").get_by_role("link")
    expect(settings).to_have_count(13)
    screen.screenshot(f"program-settings-{viewport}")
    screen.assert_accessible()
    screen.assert_no_console_errors()
    for title in settings.all_inner_texts():  # each opens its own page, never "not found"
        screen.page.locator("#program-settings").get_by_role("link", name=title).click()
        expect(screen.page).not_to_have_url(SETTINGS_PAGE)
        expect(screen.page.get_by_role("heading").first).to_be_visible()
        expect(screen.page.get_by_role("heading", name="Page not found")).to_have_count(0)
        screen.page.go_back()
        expect(screen.page.get_by_role("heading", name="Program settings")).to_be_visible()
