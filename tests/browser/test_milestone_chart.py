"""A fellow opens their milestone progress on a phone: the chart draws, the table has the levels."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    RatingFactory,
)

pytestmark = pytest.mark.browser
Role = Membership.Role


def test_fellow_sees_milestone_trajectory_on_a_phone(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    subs = list(milestone_set.subcompetencies.order_by("code")[:2])
    template = AssessmentTemplateFactory(
        program=program,
        milestone_set=milestone_set,
        name="Direct observation of a procedure",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(subs)
    fellow = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Role.FELLOW
    )
    assessor = Membership.objects.get(
        program=program, user__email="faculty1@demo.test", role=Role.FACULTY
    )
    levels = {
        datetime.date(2026, 8, 3): ["2.5", "3.0"],
        datetime.date(2026, 10, 12): ["3.5", "4.0"],
    }
    for observed_on, (first, second) in levels.items():
        assessment = AssessmentFactory(
            program=program,
            template=template,
            fellow=fellow,
            assessor=assessor,
            observed_on=observed_on,
            status=Assessment.Status.SIGNED,
            signed_at=timezone.now(),
            narrative=f"Feedback of {observed_on:%B %-d}.",
        )
        RatingFactory(assessment=assessment, subcompetency=subs[0], level=first)
        RatingFactory(assessment=assessment, subcompetency=subs[1], level=second)

    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/my-progress/")
    phone.page.get_by_role("link", name="Milestone progress").click()
    phone.page.get_by_role("heading", name="Milestone progress").wait_for()
    canvas = phone.page.locator("#trajectory-chart-0")
    canvas.wait_for(state="visible")
    assert canvas.bounding_box()["height"] > 100
    # Chart.js attached a chart to every small multiple.
    assert phone.page.evaluate(
        "[...document.querySelectorAll('canvas.trajectory-chart')]"
        ".every((c) => window.Chart.getChart(c) !== undefined)"
    )
    table = phone.page.locator("#trajectory-table").inner_text()
    for expected in ("2026-08-03: 2.5", "2026-10-12: 3.5", "2026-10-12: 4.0"):
        assert expected in table
    # fellow1's mid-year CCC review is finalised in the demo: the column shows its levels.
    assert "No CCC review yet" not in table
    assert "Feedback of October 12." in phone.page.content()
    phone.screenshot("milestone-progress-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()
