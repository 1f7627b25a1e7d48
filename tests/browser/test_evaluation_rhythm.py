"""Issue 16, item 2 in the browser: a six-month block brings two evaluations, the interim one at
three months and the one at its end, and the faculty member's queue and the director's list say
which is which (phone and desktop)."""

import datetime

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, AssessmentTemplate
from assessments.services.workflow import rotation_evaluations_create, template_create
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.conftest import make_program_people
from tests.curriculum.factories import RotationFactory
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    ScheduleBlockFactory,
)

pytestmark = pytest.mark.browser
D = datetime.date
Role = Membership.Role


@pytest.fixture
def six_month_block(transactional_db):
    people = make_program_people(name="Rhythm Pain Fellowship")
    program = people.program
    milestone_set = milestone_set_load_default(actor=None, program=program)
    template_create(
        actor=people.director,
        program=program,
        name="End-of-rotation evaluation",
        kind=AssessmentTemplate.Kind.END_OF_ROTATION,
        milestone_set=milestone_set,
        subcompetencies=list(milestone_set.subcompetencies.order_by("code")[:2]),
    )
    year = AcademicYearFactory(program=program, start_date=D(2025, 7, 1), end_date=D(2026, 6, 30))
    fellow = Membership.objects.get(program=program, user=people.fellow, role=Role.FELLOW)
    faculty = Membership.objects.get(program=program, user=people.faculty, role=Role.FACULTY)
    enrolment = EnrolmentFactory(
        cohort=CohortFactory(program=program, academic_year=year), membership=fellow
    )
    block = ScheduleBlockFactory(
        enrolment=enrolment,
        rotation=RotationFactory(program=program, name="Interventional pain"),
        start_date=D(2025, 7, 1),
        end_date=D(2025, 12, 31),
    )
    for day in (D(2025, 8, 4), D(2025, 11, 3)):  # the faculty member supervised both halves
        ProcedureLogEntryFactory(
            program=program, fellow=fellow, supervisor=faculty, performed_on=day
        )
    assert rotation_evaluations_create(today=D(2025, 10, 1)) == 1
    assert rotation_evaluations_create(today=D(2026, 1, 1)) == 1
    assert list(
        Assessment.objects.filter(schedule_block=block)
        .order_by("observed_on")
        .values_list("observed_on", flat=True)
    ) == [D(2025, 9, 30), D(2025, 12, 31)]
    return people


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_six_month_block_brings_two_evaluations(six_month_block, viewport, request):
    screen = request.getfixturevalue(viewport)
    people = six_month_block
    page = screen.page

    screen.sign_in(people.faculty.email, PASSWORD)
    screen.goto(f"/programs/{people.program.pk}/waiting/")
    expect(page.get_by_text("Interim (3-month) evaluation")).to_have_count(1)
    expect(page.get_by_text("End of rotation", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="Fill")).to_have_count(2)
    screen.screenshot(f"evaluation-rhythm-faculty-queue-{viewport}")
    screen.assert_accessible()
    screen.assert_no_console_errors()
    screen.sign_out()

    screen.sign_in(people.director.email, PASSWORD)
    screen.goto(f"/programs/{people.program.pk}/assessments/")
    rows = page.get_by_role("row").filter(has_text="End-of-rotation evaluation")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Interim (3-month) evaluation")).to_have_count(1)
    expect(rows.filter(has_text="Sep 30, 2025")).to_contain_text("Interim (3-month) evaluation")
    expect(rows.filter(has_text="Dec 31, 2025")).to_contain_text("End of rotation")
    screen.screenshot(f"evaluation-rhythm-staff-list-{viewport}")
    screen.assert_accessible()
    screen.assert_no_console_errors()
