"""A fellow logs a whole week in at most 5 taps on a phone (issue 17): from their home, with last
week logged, the menu (on a phone), "Work hours" and "Same as last week" fill this week, and the
page shows the shifts and the right total. Every tap is counted."""

import datetime

import pytest
from playwright.sync_api import expect

from curriculum.models import Membership
from tests.accounts.factories import PASSWORD
from tests.conftest import make_program_people
from tests.workhours.factories import ShiftFactory
from workhours.selectors import local_moment, week_start_of

pytestmark = pytest.mark.browser
H = datetime.timedelta(hours=1)


@pytest.fixture
def last_week_logged(transactional_db):
    people = make_program_people(name="Pain Medicine Fellowship")
    program = people.program
    fellow = Membership.objects.get(user=people.fellow, program=program, role="fellow")
    monday = week_start_of(program.today()) - datetime.timedelta(days=7)
    for day in range(5):
        start = local_moment(program, monday + datetime.timedelta(days=day), datetime.time(7))
        ShiftFactory(program=program, fellow=fellow, start=start, end=start + 10 * H)
    night = local_moment(program, monday + datetime.timedelta(days=2), datetime.time(17))
    ShiftFactory(
        program=program, fellow=fellow, start=night, end=night + 14 * H, kind="in-house-call"
    )
    return people


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_same_as_last_week_logs_the_week_in_one_tap(last_week_logged, viewport, request):
    screen = request.getfixturevalue(viewport)
    people = last_week_logged
    screen.sign_in(people.fellow.email, PASSWORD)  # lands on the fellow's home
    page = screen.page
    expect(page.get_by_role("heading", name="My progress")).to_be_visible()
    expect(page.locator("#home-hours-heading + p")).to_contain_text("last week 64 h")
    taps = 0
    toggler = page.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible():
        toggler.click()
        taps += 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Work hours").click()
    taps += 1
    expect(page.locator("#week-total")).to_contain_text("0 h")
    page.get_by_role("button", name="Same as last week").click()
    taps += 1
    assert taps <= 5
    expect(page.get_by_text("6 shifts added from last week.")).to_be_visible()
    expect(page.locator("#week-total")).to_contain_text("64 h")
    expect(page.locator("#week-days .shift")).to_have_count(6)
    expect(page.get_by_text("17:00\N{EN DASH}07:00 (next day) · In-house call")).to_be_visible()
    screen.screenshot(f"work-hours-week-{viewport}")
    screen.assert_accessible()
    screen.assert_no_console_errors()
