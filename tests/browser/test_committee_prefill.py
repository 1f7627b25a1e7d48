"""Faster committee work on the demo program: a draft mid-year packet shows levels suggested from
the period's ratings, one tap accepts them all (desktop: the director; phone: a faculty member);
the cohort dashboard compares with the period's expected level and shows one bar per fellow."""

import pytest
from playwright.sync_api import expect

from assessments.models import CCCReview, ConsensusLevel, ReviewPeriod
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def _draft(email: str) -> CCCReview:
    return CCCReview.objects.select_related("fellow__user").get(
        period__kind=ReviewPeriod.Kind.MIDYEAR,
        status=CCCReview.Status.DRAFT,
        fellow__user__email=email,
    )


def _accept_suggestions(browser_page, review: CCCReview, name: str) -> None:
    page = browser_page.page
    browser_page.goto(review.get_absolute_url())
    page.get_by_role("heading", name=f"CCC packet: {review.fellow.user.display_name}").wait_for()
    suggested = page.locator("#packet-table [data-suggested]")
    expect(suggested.first).to_be_visible()
    count = suggested.count()
    assert count > 0
    expect(suggested.first).to_contain_text("Suggested from")
    assert not ConsensusLevel.objects.filter(review=review).exists()  # showing saved nothing
    browser_page.screenshot(f"committee-prefill-{name}")
    page.locator("#suggestions-note").screenshot(path=SCREENSHOTS / f"committee-note-{name}.png")
    browser_page.assert_accessible()
    page.get_by_role("button", name="Accept all suggestions").click()
    page.get_by_text(f"Recorded {count} suggested level(s) as consensus.").wait_for()
    assert ConsensusLevel.objects.filter(review=review).count() == count
    expect(page.get_by_role("button", name="Accept all suggestions")).to_have_count(0)
    expect(page.get_by_text("Recorded", exact=True).first).to_be_visible()
    browser_page.screenshot(f"committee-accepted-{name}")
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()


def test_director_accepts_the_suggestions_on_a_desktop(demo, desktop):
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    _accept_suggestions(desktop, _draft("fellow3@demo.test"), "desktop")


def test_faculty_accepts_the_suggestions_on_a_phone(demo, phone):
    phone.sign_in("faculty1@demo.test", DEMO_PASSWORD)
    _accept_suggestions(phone, _draft("fellow4@demo.test"), "phone")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_dashboard_shows_the_expected_level_and_progress_bars(demo, device, request):
    browser_page = request.getfixturevalue(device)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    browser_page.sign_in("director@demo.test", DEMO_PASSWORD)
    page = browser_page.page
    browser_page.goto(f"/programs/{program.pk}/dashboard/")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    expect(page.locator("#expected-level")).to_contain_text("Expected at")
    bars = page.get_by_role("progressbar")
    expect(bars.first).to_be_visible()
    assert bars.count() == 6  # one per demo fellow
    expect(page.get_by_text("targets met", exact=False).first).to_be_visible()
    page.locator("#progress-heading").scroll_into_view_if_needed()
    browser_page.screenshot(f"committee-dashboard-{device}")
    page.locator("section", has=page.locator("#progress-heading")).screenshot(
        path=SCREENSHOTS / f"committee-progress-{device}.png"
    )
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()
