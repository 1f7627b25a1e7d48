""" "Not yet completed Level 1" in the browser, on a phone and on a desktop: the faculty member
picks it on the assessment form (its descriptor says what it means), signs, and the fellow's
milestone progress names it in the table and draws it below 1 on the chart."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from assessments.models import AssessmentTemplate
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.assessments.factories import AssessmentFactory

from .conftest import DESKTOP, PHONE, open_page

pytestmark = pytest.mark.browser
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
OBSERVED = datetime.date(2026, 10, 1)


def member(program, email, role):
    return Membership.objects.get(program=program, user__email=email, role=role)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_faculty_rates_below_level_one_signs_and_the_fellow_sees_it(
    demo, browser, live_server, viewport
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    subs = list(milestone_set.subcompetencies.order_by("code")[:3])
    template = AssessmentTemplate.objects.create(
        program=program,
        milestone_set=milestone_set,
        name="Direct observation, early concerns",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(subs)
    assessment = AssessmentFactory(
        program=program,
        template=template,
        fellow=member(program, "fellow1@demo.test", "fellow"),
        assessor=member(program, "faculty1@demo.test", "faculty"),
        observed_on=OBSERVED,
    )
    level_one = {d.level: d.text for d in subs[0].levels.all()}[1]

    context, faculty = open_page(browser, live_server, VIEWPORTS[viewport])
    try:
        page = faculty.page
        faculty.sign_in("faculty1@demo.test", DEMO_PASSWORD)
        faculty.goto(f"/programs/{program.pk}/assessments/{assessment.pk}/fill/")
        page.get_by_label("Narrative").fill("Not yet safe with the fluoroscopy set-up.")
        first = page.get_by_role("group", name=re.compile(rf"^{subs[0].code} "))
        first.get_by_label("Not yet completed Level 1", exact=True).check()
        box = first.locator("[data-level-descriptor]")
        expect(box).to_contain_text("Not yet completed Level 1: you assessed this")
        expect(box).to_contain_text(level_one)  # what is not yet reached
        second = page.get_by_role("group", name=re.compile(rf"^{subs[1].code} "))
        second.get_by_label("Not yet assessable", exact=True).check()
        expect(second.locator("[data-level-descriptor]")).to_contain_text("Not yet assessable")
        third = page.get_by_role("group", name=re.compile(rf"^{subs[2].code} "))
        third.get_by_label("2.0", exact=True).check()
        first.scroll_into_view_if_needed()
        faculty.screenshot(f"not-yet-level-one-fill-{viewport}")
        faculty.assert_accessible()
        faculty.assert_fits_the_screen()

        page.get_by_label("Your password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign and submit").click()
        page.get_by_text("Signed and sent to").wait_for()
        ratings = page.get_by_role("region", name="Ratings").or_(page.locator("table")).first
        expect(ratings).to_contain_text("Not yet completed Level 1")
        expect(ratings).to_contain_text("Not yet assessable")
        faculty.assert_no_console_errors()
    finally:
        context.close()

    context, fellow = open_page(browser, live_server, VIEWPORTS[viewport])
    try:
        page = fellow.page
        fellow.sign_in("fellow1@demo.test", DEMO_PASSWORD)
        fellow.goto(f"/programs/{program.pk}/milestones/progress/")
        row = page.locator("#trajectory-table tbody tr").filter(has_text=subs[0].code).first
        expect(row).to_contain_text(f"{OBSERVED:%Y-%m-%d}: Not yet completed Level 1")
        other = page.locator("#trajectory-table tbody tr").filter(has_text=subs[1].code).first
        expect(other).to_contain_text(f"{OBSERVED:%Y-%m-%d}: not yet assessable")
        # The chart's scale starts at 0 ("<1") for the point below level 1.
        canvas = page.locator("canvas.trajectory-chart").first
        expect(canvas).to_be_visible()
        y_min = page.evaluate(
            "() => window.Chart.getChart(document.querySelector('canvas.trajectory-chart'))"
            ".scales.y.min"
        )
        assert y_min == 0
        tick = page.evaluate(
            "() => window.Chart.getChart(document.querySelector('canvas.trajectory-chart'))"
            ".scales.y.ticks[0].label"
        )
        assert tick == "<1"
        page.locator("#chart-heading").scroll_into_view_if_needed()
        fellow.screenshot(f"not-yet-level-one-trajectory-{viewport}")
        fellow.assert_accessible()
        fellow.assert_no_console_errors()
    finally:
        context.close()
