"""The coordinator can chase (issue 15, item 4): a reminder now, to one assessor or to every
overdue assessor at once, kept in the ledger exactly once per day."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from assessments.models import Assessment
from audit.models import AuditEvent
from curriculum.models import Membership
from reminders.models import Reminder
from reminders.selectors import chase_candidates
from reminders.services.chase import assessments_chase
from tests.accounts.factories import UserFactory
from tests.assessments.factories import AssessmentFactory
from tests.curriculum.factories import MembershipFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

Role = Membership.Role
NOON = datetime.datetime(2026, 12, 2, 18, 0, tzinfo=datetime.UTC)  # noon in Chicago


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


@pytest.fixture
def overdue(ours):
    """Three overdue evaluations: two owed by our faculty member, one by a second one; and one
    signed and one not yet due, which are never chased."""
    ours.program.timezone = "America/Chicago"
    ours.program.save()
    fellow, faculty = member(ours, Role.FELLOW), member(ours, Role.FACULTY)
    second = MembershipFactory(program=ours.program, user=UserFactory(), role=Role.FACULTY)
    late = datetime.date(2026, 11, 20)
    rows = [
        AssessmentFactory(program=ours.program, fellow=fellow, assessor=faculty, due_date=late),
        AssessmentFactory(
            program=ours.program,
            fellow=fellow,
            assessor=faculty,
            due_date=late,
            status=Assessment.Status.RETURNED,
        ),
        AssessmentFactory(program=ours.program, fellow=fellow, assessor=second, due_date=late),
    ]
    AssessmentFactory(
        program=ours.program,
        fellow=fellow,
        assessor=second,
        due_date=late,
        status=Assessment.Status.SIGNED,
        signed_at=NOON,
    )
    AssessmentFactory(
        program=ours.program, fellow=fellow, assessor=second, due_date=datetime.date(2027, 1, 5)
    )
    return rows


def chase(client, program, **data):
    return client.post(reverse("reminders:chase", args=[program.pk]), data)


@time_machine.travel(NOON, tick=False)
def test_the_coordinator_reminds_every_overdue_assessor_at_once(
    client, ours, overdue, django_capture_on_commit_callbacks
):
    client.force_login(ours.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        answer = chase(client, ours.program, overdue="all", next="/somewhere/")
    assert answer.status_code == 302 and answer["Location"] == "/somewhere/"
    chased = Reminder.objects.filter(kind=Reminder.Kind.CHASE)
    assert sorted(chased.values_list("object_id", flat=True)) == sorted(a.pk for a in overdue)
    assert set(chased.values_list("period", flat=True)) == {"2026-12-02"}  # the program's day
    # One email per assessor, whatever their digest preference, listing what they owe.
    assert sorted(len(m.body.split("/notifications/open/")) - 1 for m in mail.outbox) == [1, 2]
    assert all(ours.coordinator.display_name in m.subject for m in mail.outbox)
    assert AuditEvent.objects.filter(action="assessment.chase").count() == 3


@time_machine.travel(NOON, tick=False)
def test_the_ledger_keeps_a_chase_once_a_day(ours, overdue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = assessments_chase(actor=ours.coordinator, program=ours.program, assessments=overdue)
        again = assessments_chase(actor=ours.director, program=ours.program, assessments=overdue)
    assert (first.sent, first.already, first.assessors) == (3, 0, 2)
    assert (again.sent, again.already) == (0, 3)
    assert Reminder.objects.filter(kind=Reminder.Kind.CHASE).count() == 3
    assert len(mail.outbox) == 2
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        tomorrow = assessments_chase(
            actor=ours.coordinator, program=ours.program, assessments=overdue[:1]
        )
    assert tomorrow.sent == 1


@time_machine.travel(NOON, tick=False)
def test_one_person_from_the_open_evaluations_list(client, ours, overdue):
    client.force_login(ours.coordinator)
    page = client.get(
        reverse("assessments:assessment_list", args=[ours.program.pk]) + "?status=open"
    )
    body = page.content.decode()
    assert reverse("reminders:chase", args=[ours.program.pk]) in body
    assert f'name="assessment" value="{overdue[2].pk}"' in body
    chase(client, ours.program, assessment=str(overdue[2].pk))
    [reminder] = Reminder.objects.filter(kind=Reminder.Kind.CHASE)
    assert reminder.object_id == overdue[2].pk
    assert reminder.recipient_id == overdue[2].assessor.user_id


@time_machine.travel(NOON, tick=False)
def test_from_a_fellows_page(client, ours, overdue):
    fellow = member(ours, Role.FELLOW)
    client.force_login(ours.director)
    page = client.get(reverse("assessments:fellow_milestones", args=[ours.program.pk, fellow.pk]))
    assert "Remind their assessors now" in page.content.decode()
    chase(client, ours.program, fellow=str(fellow.pk))
    # Every open one about the fellow, overdue or not; never the signed one.
    assert Reminder.objects.filter(kind=Reminder.Kind.CHASE).count() == 4


@time_machine.travel(NOON, tick=False)
def test_faculty_do_not_see_the_chase_button_on_a_fellows_page(client, ours, overdue):
    client.force_login(ours.faculty)
    fellow = member(ours, Role.FELLOW)
    page = client.get(reverse("assessments:fellow_milestones", args=[ours.program.pk, fellow.pk]))
    assert "Remind their assessors now" not in page.content.decode()


@time_machine.travel(NOON, tick=False)
def test_the_overdue_board_offers_the_chase(client, ours, overdue):
    year = AcademicYearFactory(
        program=ours.program,
        start_date=datetime.date(2026, 7, 1),
        end_date=datetime.date(2027, 6, 30),
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    EnrolmentFactory(cohort=cohort, membership=member(ours, Role.FELLOW))
    client.force_login(ours.coordinator)
    page = client.get(reverse("dashboard:cohort_dashboard", args=[ours.program.pk]))
    body = page.content.decode()
    assert "Remind every overdue assessor now" in body
    assert f'name="assessment" value="{overdue[0].pk}"' in body  # and each one by itself


@pytest.mark.parametrize("role", [Role.FACULTY, Role.FELLOW])
def test_only_staff_chase(client, ours, overdue, role):
    client.force_login(ours.user(role))
    assert chase(client, ours.program, overdue="all").status_code == 404
    assert not Reminder.objects.exists()


def test_another_programs_assessments_are_never_chased(client, ours, theirs, overdue):
    foreign = AssessmentFactory(program=theirs.program, due_date=datetime.date(2026, 1, 1))
    client.force_login(ours.coordinator)
    chase(client, ours.program, assessment=str(foreign.pk))
    assert not Reminder.objects.exists()
    assert list(chase_candidates(user=ours.fellow, program=ours.program, overdue=True)) == []


def test_the_reminders_page_is_open_to_coordinators(client, ours):
    client.force_login(ours.coordinator)
    page = client.get(reverse("reminders:director_reminders", args=[ours.program.pk]))
    assert page.status_code == 200
