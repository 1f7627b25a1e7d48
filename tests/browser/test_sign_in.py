"""Each demo role signs in and lands on its own home page, on a phone and on a desktop."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

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

    expect(page.page).to_have_url(re.compile(url_pattern))
    expect(page.page.get_by_role("heading", level=1)).to_have_text(heading)
    page.screenshot(f"home-{email.split('@')[0]}-{device}")
    page.assert_accessible()
    page.assert_no_console_errors()

    # Nothing spills sideways on a 390-px phone.
    overflow = page.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow

    # Sign out through the (collapsed, on a phone) navigation menu: Bootstrap's JS runs under CSP.
    page.sign_out()


def test_login_page_is_accessible_on_a_phone(demo, phone):
    phone.goto("/accounts/login/")
    phone.screenshot("login-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_wrong_password_shows_a_clear_error(demo, phone):
    phone.sign_in("director@demo.test", "not-the-password", succeeds=False)
    expect(phone.page).to_have_url(re.compile(r"/accounts/login/"))
    expect(phone.page.get_by_role("alert")).to_contain_text("not correct")
    phone.screenshot("login-wrong-password")
    phone.assert_accessible()


def test_fellow_typing_the_directors_url_gets_404(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    response = phone.goto(program.get_absolute_url())
    assert response.status == 404
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert "director@demo.test" not in phone.page.content()
    phone.screenshot("fellow-director-url-404")
