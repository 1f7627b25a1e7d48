"""Staff record a leave period on a phone and on a desktop: the expected end moves and the
review period lists the fellow as having leave in it."""

import datetime

import pytest
from playwright.sync_api import expect

from assessments.models import ReviewPeriod
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


@pytest.fixture
def fellow(demo):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    membership = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Membership.Role.FELLOW
    )
    return program, membership, membership.enrolments.get()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_staff_add_leave_and_the_review_period_lists_the_fellow(request, fellow, device):
    program, membership, enrolment = fellow
    screen = request.getfixturevalue(device)
    page = screen.page
    start = enrolment.start_date + datetime.timedelta(days=60)
    end = start + datetime.timedelta(days=13)  # 14 days, all beyond the default allowance of 0
    moved = enrolment.expected_end_date + datetime.timedelta(days=14)

    screen.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    screen.goto(f"/programs/{program.pk}/fellows/{membership.pk}/")
    summary = page.get_by_test_id(f"leave-summary-{enrolment.pk}")
    expect(summary).to_contain_text(f"{enrolment.expected_end_date:%b} ")
    page.get_by_role("link", name=f"Add leave in {enrolment.cohort.name}").click()
    page.get_by_label("Kind").select_option("medical")
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill(end.isoformat())
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").first).to_contain_text("added")
    summary = page.get_by_test_id(f"leave-summary-{enrolment.pk}")
    expect(summary).to_contain_text(f"{moved:%b} {moved.day}, {moved.year}")
    expect(page.get_by_text(f"{start:%b} {start.day}, {start.year} to")).to_be_visible()
    screen.screenshot(f"leave-profile-{device}")
    screen.assert_accessible()

    period = ReviewPeriod.objects.get(
        academic_year=enrolment.cohort.academic_year, kind=ReviewPeriod.Kind.MIDYEAR
    )
    screen.goto(f"/programs/{program.pk}/ccc/periods/{period.pk}/")
    listed = page.get_by_test_id("period-leave")
    expect(listed).to_contain_text(membership.user.display_name)
    expect(listed).to_contain_text("14 days")
    screen.screenshot(f"leave-review-period-{device}")
    screen.assert_accessible()
    screen.assert_no_console_errors()
