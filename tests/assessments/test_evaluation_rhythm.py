"""Issue 16, item 2: every experience longer than the program's interval (3 months unless the
director changes it), block or longitudinal, gets an interim evaluation at the end of each interval
as well as the one at its end (ACGME Common Program Requirements V.A.1.b).(1))."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate
from assessments.services.workflow import rotation_evaluations_create, template_create
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.trainees.factories import ScheduleBlockFactory
from trainees.models import Deadline
from trainees.services.calendar import calendar_generate

D = datetime.date
Role = Membership.Role


@pytest.fixture
def rotation_template(ours):
    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    return template_create(
        actor=ours.director,
        program=ours.program,
        name="End of rotation",
        kind=AssessmentTemplate.Kind.END_OF_ROTATION,
        milestone_set=milestone_set,
        subcompetencies=list(milestone_set.subcompetencies.order_by("code")[:2]),
    )


def block(enrolment, start, end, longitudinal=False):
    rotation = RotationFactory(
        program=enrolment.cohort.program, is_longitudinal=longitudinal, name="Pain clinic"
    )
    return ScheduleBlockFactory(
        enrolment=enrolment, rotation=rotation, start_date=start, end_date=end
    )


def run_nightly(first: D, last: D) -> int:
    """The nightly job, every night from ``first`` to ``last``."""
    created, day = 0, first
    while day <= last:
        created += rotation_evaluations_create(today=day)
        day += datetime.timedelta(days=1)
    return created


def observed(block_):
    return list(
        Assessment.objects.filter(schedule_block=block_)
        .order_by("observed_on")
        .values_list("observed_on", flat=True)
    )


def test_a_six_month_block_gets_one_at_three_months_and_one_at_its_end(
    ours, rotation_template, enrolment
):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    assert run_nightly(D(2026, 7, 1), D(2027, 1, 15)) == 2
    assert observed(six) == [D(2026, 9, 30), D(2026, 12, 31)]
    interim, final = Assessment.objects.filter(schedule_block=six).order_by("observed_on")
    assert interim.is_interim and not final.is_interim
    due = datetime.timedelta(days=ours.program.evaluation_due_days)
    assert interim.due_date == D(2026, 9, 30) + due
    assert final.due_date == D(2026, 12, 31) + due
    assert interim.requested_by is None and interim.status == Assessment.Status.DRAFT


def test_a_three_month_block_gets_only_its_end_of_rotation_evaluation(
    ours, rotation_template, enrolment
):
    three = block(enrolment, D(2026, 7, 1), D(2026, 9, 30))
    assert run_nightly(D(2026, 7, 1), D(2026, 10, 31)) == 1
    assert observed(three) == [D(2026, 9, 30)]
    assert not Assessment.objects.get().is_interim


def test_a_longitudinal_year_gets_four(ours, rotation_template, enrolment):
    clinic = block(enrolment, D(2026, 7, 1), D(2027, 6, 30), longitudinal=True)
    assert run_nightly(D(2026, 7, 1), D(2027, 7, 31)) == 4
    assert observed(clinic) == [D(2026, 9, 30), D(2026, 12, 31), D(2027, 3, 31), D(2027, 6, 30)]
    assert [a.is_interim for a in Assessment.objects.order_by("observed_on")] == [
        True,
        True,
        True,
        False,
    ]


def test_the_interval_is_the_programs_setting(ours, rotation_template, enrolment):
    ours.program.evaluation_interval_months = 2
    ours.program.save()
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    assert run_nightly(D(2026, 7, 1), D(2027, 1, 15)) == 3
    assert observed(six) == [D(2026, 8, 31), D(2026, 10, 31), D(2026, 12, 31)]


def test_it_is_idempotent(ours, rotation_template, enrolment):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    assert rotation_evaluations_create(today=D(2026, 10, 5)) == 1
    assert rotation_evaluations_create(today=D(2026, 10, 5)) == 0
    assert rotation_evaluations_create(today=D(2026, 10, 6)) == 0
    assert run_nightly(D(2026, 7, 1), D(2027, 1, 15)) == 1  # only the final was still missing
    assert len(observed(six)) == 2


def test_nothing_before_the_interval_has_passed(ours, rotation_template, enrolment):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    # September 30 is the interval's last day: its evaluation comes the day after.
    assert run_nightly(D(2026, 7, 1), D(2026, 9, 30)) == 0
    assert rotation_evaluations_create(today=D(2026, 10, 1)) == 1
    assert observed(six) == [D(2026, 9, 30)]
    # An interim point long past (beyond the 60-day lookback) is not created late.
    Assessment.objects.all().delete()
    assert rotation_evaluations_create(today=D(2026, 12, 20)) == 0


def test_each_interval_goes_to_its_own_main_supervisor(ours, rotation_template, enrolment):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    fellow = six.enrolment.membership
    summer = MembershipFactory(program=ours.program, role=Role.FACULTY)
    autumn = MembershipFactory(program=ours.program, role=Role.FACULTY)
    for supervisor, day in [
        (summer, D(2026, 7, 3)),
        (summer, D(2026, 8, 3)),
        (autumn, D(2026, 10, 3)),
    ]:
        ProcedureLogEntryFactory(
            program=ours.program, fellow=fellow, supervisor=supervisor, performed_on=day
        )
    run_nightly(D(2026, 7, 1), D(2027, 1, 15))
    interim, final = Assessment.objects.filter(schedule_block=six).order_by("observed_on")
    assert interim.assessor == summer
    assert final.assessor == autumn


def test_the_calendar_lists_the_interim_deadline_and_the_evaluation_follows_it(
    ours, rotation_template, enrolment
):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    calendar_generate(actor=ours.director, academic_year=enrolment.cohort.academic_year)
    deadlines = {
        d.key: d
        for d in Deadline.objects.filter(schedule_block=six, kind=Deadline.Kind.ROTATION_EVALUATION)
    }
    assert sorted(deadlines) == [f"rotation-eval:{six.pk}", f"rotation-eval:{six.pk}:2026-09-30"]
    interim_deadline = deadlines[f"rotation-eval:{six.pk}:2026-09-30"]
    assert interim_deadline.due_date == D(2026, 9, 30) + datetime.timedelta(
        days=ours.program.evaluation_due_days
    )
    assert "interim (3-month)" in interim_deadline.title
    Deadline.objects.filter(pk=interim_deadline.pk).update(due_date=D(2026, 10, 20), is_edited=True)
    rotation_evaluations_create(today=D(2026, 10, 1))
    assert Assessment.objects.get().due_date == D(2026, 10, 20)


def test_a_moved_block_end_does_not_bring_a_second_final(ours, rotation_template, enrolment):
    three = block(enrolment, D(2026, 7, 1), D(2026, 9, 20))
    assert rotation_evaluations_create(today=D(2026, 9, 25)) == 1
    three.end_date = D(2026, 9, 22)
    three.save()
    assert rotation_evaluations_create(today=D(2026, 9, 25)) == 0


def test_one_evaluation_per_block_assessor_and_day(ours, rotation_template, enrolment):
    six = block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    rotation_evaluations_create(today=D(2026, 10, 1))
    first = Assessment.objects.get()
    fields = {
        "program": ours.program,
        "template": rotation_template,
        "fellow": first.fellow,
        "assessor": first.assessor,
        "schedule_block": six,
        # Signed, not an open request: only the one-per-block-and-day rule applies.
        "status": Assessment.Status.SIGNED,
        "signed_at": timezone.now(),
    }
    Assessment.objects.create(**fields, observed_on=D(2026, 12, 31))  # another day: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(**fields, observed_on=D(2026, 9, 30))


def test_the_staff_list_and_the_page_say_interim_or_end_of_rotation(
    client, ours, rotation_template, enrolment
):
    block(enrolment, D(2026, 7, 1), D(2026, 12, 31))
    run_nightly(D(2026, 9, 28), D(2026, 10, 2))
    run_nightly(D(2026, 12, 30), D(2027, 1, 2))
    client.force_login(ours.director)
    page = client.get(reverse("assessments:assessment_list", args=[ours.program.pk]))
    html = page.content.decode()
    assert html.count("Interim (3-month) evaluation") == 1
    assert html.count("End of rotation</span>") == 1
    interim = Assessment.objects.order_by("observed_on").first()
    detail = client.get(interim.get_absolute_url()).content.decode()
    assert "Interim (3-month) evaluation" in detail


def test_the_director_sets_the_interval_on_the_timing_page(client, ours):
    from audit.models import AuditEvent

    client.force_login(ours.director)
    url = reverse("assessments:evaluation_timing", args=[ours.program.pk])
    values = {"evaluation_due_days": 14, "summative_lead_days": 30, "request_expiry_days": 14}
    assert client.post(url, {**values, "evaluation_interval_months": 13}).status_code == 200
    assert client.post(url, {**values, "evaluation_interval_months": 2}).status_code == 302
    ours.program.refresh_from_db()
    assert ours.program.evaluation_interval_months == 2
    [event] = AuditEvent.objects.filter(action="program.evaluation_timing")
    assert event.changes == {"evaluation_interval_months": [3, 2]}
