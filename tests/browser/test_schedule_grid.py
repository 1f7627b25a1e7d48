"""Issue 15 item 10: the director opens the rotation schedule on a desktop and on a phone. It
opens at this week (marked "This week", scrolled into view), explains its rotation codes, and a
block's end date is changed in place (htmx) and shows at once."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from trainees.models import ScheduleBlock
from trainees.schedule import monday_on_or_before

pytestmark = pytest.mark.browser


def _this_weeks_block(program):
    """fellow1's main block running this week, as the grid's cell for this week links to it."""
    today = program.today()
    monday = monday_on_or_before(today)
    sunday = monday + datetime.timedelta(days=6)
    block = (
        ScheduleBlock.objects.filter(
            enrolment__membership__user__email="fellow1@demo.test",
            enrolment__cohort__program=program,
            rotation__is_longitudinal=False,
            start_date__lte=sunday,
            end_date__gte=monday,
        )
        .select_related("rotation", "enrolment__membership__user")
        .order_by("start_date", "pk")
        .first()
    )
    if block is None:
        pytest.skip(f"the demo's academic year does not include today ({today})")
    return monday, block


def _edit_end_date_in_place(browser_page, program, name: str) -> None:
    page = browser_page.page
    monday, block = _this_weeks_block(program)
    fellow = block.enrolment.membership.user.display_name
    browser_page.sign_in("director@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/schedule/")

    # It opens at this week: the marked column is on screen without scrolling by hand.
    this_week = page.locator("#this-week")
    expect(this_week).to_contain_text("This week")
    expect(this_week).to_contain_text(f"{monday:%b} {monday.day}")
    expect(this_week).to_be_in_viewport()
    # The legend gives every code the grid shows its name.
    expect(page.get_by_role("heading", name="Rotation codes")).to_be_visible()
    legend = page.locator("dl.schedule-legend")
    expect(legend.locator("dt", has_text=re.compile(r"^CLIN$"))).to_be_visible()
    expect(legend).to_contain_text("Continuity pain clinic (longitudinal)")
    expect(legend).to_contain_text(f"{block.rotation.short_name}{block.rotation.name}")
    browser_page.screenshot(f"schedule-grid-this-week-{name}")
    browser_page.assert_accessible()

    # This week's cell opens the block's editor in place.
    cell = page.get_by_role(
        "link",
        name=re.compile(
            rf"^{re.escape(fellow)}, week of {monday:%b} {monday.day}:.*"
            rf"Edit the {re.escape(block.rotation.short_name)} block\.$"
        ),
    )
    expect(cell).to_be_in_viewport()
    cell.click()
    heading = f"Edit {block.rotation.name} block for {fellow}"
    page.get_by_role("heading", name=heading).wait_for()
    end = page.get_by_label("End date")
    expect(end).to_have_value(block.end_date.isoformat())
    new_end = max(block.start_date, block.end_date - datetime.timedelta(days=2))
    end.fill(new_end.isoformat())
    browser_page.screenshot(f"schedule-block-edit-{name}")
    page.get_by_role("button", name="Save block").click()

    # Saved in place: the message, and the two days it freed show as a gap in the grid.
    page.get_by_text(re.compile(rf"^{re.escape(fellow)}: .* saved\.$")).wait_for()
    gap_from = new_end + datetime.timedelta(days=1)
    problems = page.get_by_role("list", name="Schedule problems")
    expect(problems).to_contain_text(
        f"{gap_from:%b} {gap_from.day}, {gap_from.year} to "
        f"{block.end_date:%b} {block.end_date.day}, {block.end_date.year}"
    )
    expect(page.get_by_role("heading", name=heading)).to_have_count(0)
    assert page.url.endswith("/schedule/")  # htmx swapped the grid; no navigation
    block.refresh_from_db()
    assert block.end_date == new_end and ScheduleBlock.objects.filter(pk=block.pk).exists()
    browser_page.screenshot(f"schedule-block-saved-{name}")
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()


def test_director_edits_a_block_in_place_on_a_desktop(demo, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    _edit_end_date_in_place(desktop, program, "desktop")


def test_director_edits_a_block_in_place_on_a_phone(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    _edit_end_date_in_place(phone, program, "phone")
