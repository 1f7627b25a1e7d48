"""Each demo role signs in and lands on its own home page, on a phone and on a desktop."""

import re

import pytest

from curriculum.demo import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from curriculum.models import Program

pytestmark = pytest.mark.browser

ROLE_HOMES = [
    # login, URL the home page lives at, its heading
    ("director@demo.test", r"/programs/\d+/dashboard/$", "Cohort dashboard"),
    ("coordinator@demo.test", r"/programs/\d+/dashboard/$", "Cohort dashboard"),
    ("faculty1@demo.test", r"/programs/\d+/waiting/$", "Waiting for me"),
    ("fellow1@demo.test", r"/programs/\d+/my-progress/$", "My progress"),
]


@pytest.mark.parametrize(("email", "url_pattern", "heading"), ROLE_HOMES)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_demo_role_signs_in_and_lands_on_its_home(
    request, demo, device, email, url_pattern, heading
):
    page = request.getfixturevalue(device)
    page.sign_in(email, DEMO_PASSWORD)

    assert re.search(url_pattern, page.page.url), page.page.url
    assert page.page.get_by_role("heading", level=1).inner_text() == heading
    page.screenshot(f"home-{email.split('@')[0]}-{device}")
    page.assert_accessible()
    page.assert_no_console_errors()

    # Nothing spills sideways on a 390-px phone.
    overflow = page.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow

    # Sign out through the (collapsed, on a phone) navigation menu: Bootstrap's JS runs under CSP.
    toggler = page.page.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible():
        toggler.click()
        page.page.locator(".navbar-collapse.show").wait_for()  # the menu finished opening
    button = page.page.get_by_role("button", name=re.compile("Sign out"))
    button.wait_for(state="visible")
    # Wait on the navigation the click starts, generously: busy CI machines are slow.
    with page.page.expect_navigation(url=re.compile(r"/accounts/login/"), timeout=60_000):
        button.click()


def test_login_page_is_accessible_on_a_phone(demo, phone):
    phone.goto("/accounts/login/")
    phone.screenshot("login-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_wrong_password_shows_a_clear_error(demo, phone):
    phone.sign_in("director@demo.test", "not-the-password")
    assert "/accounts/login/" in phone.page.url
    alert = phone.page.get_by_role("alert")
    assert "not correct" in alert.inner_text()
    phone.screenshot("login-wrong-password")
    phone.assert_accessible()


def test_fellow_typing_the_directors_url_gets_404(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    response = phone.goto(program.get_absolute_url())
    assert response.status == 404
    assert phone.page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "director@demo.test" not in phone.page.content()
    phone.screenshot("fellow-director-url-404")
