"""A program with one item of every kind the sweep reminds about, relative to its today."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Membership
from procedures.models import ProcedureLogEntry
from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTargetFactory
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    ScheduleBlockFactory,
)
from trainees.models import Deadline

Role = Membership.Role
DAY = datetime.timedelta(days=1)


@dataclass
class Scenario:
    people: object
    fellow: Membership
    faculty: Membership
    ccc: Deadline
    final: Deadline
    far: Deadline
    rotation: Deadline
    evaluation: Assessment
    overdue: Assessment
    self_assessment: Assessment
    signed: Assessment
    entry: ProcedureLogEntry


def member(people, role: str) -> Membership:
    return Membership.objects.get(program=people.program, user=people.user(role))


def build(people, *, year_start: datetime.date | None = None) -> Scenario:
    """Everything due today in ``people.program``; the academic year started 6 months ago so the
    6-month target checkpoint is today."""
    program = people.program
    today = program.today()
    start = year_start or _months_ago(today, 6)
    year = AcademicYearFactory(
        program=program, start_date=start, end_date=start.replace(year=start.year + 1) - DAY
    )
    cohort = CohortFactory(program=program, academic_year=year)
    fellow = member(people, Role.FELLOW)
    faculty = member(people, Role.FACULTY)
    enrolment = EnrolmentFactory(cohort=cohort, membership=fellow)
    block = ScheduleBlockFactory(
        enrolment=enrolment, start_date=today - 40 * DAY, end_date=today - 10 * DAY
    )

    def deadline(kind, due, **extra):
        return Deadline.objects.create(
            program=program,
            academic_year=year,
            kind=kind,
            title=f"{kind} deadline",
            due_date=due,
            **extra,
        )

    ccc = deadline(Deadline.Kind.CCC_REVIEW, today + 3 * DAY)
    final = deadline(Deadline.Kind.FINAL_SUMMATIVE, today + 5 * DAY, enrolment=enrolment)
    far = deadline(Deadline.Kind.CCC_REVIEW, today + 40 * DAY)
    rotation = deadline(
        Deadline.Kind.ROTATION_EVALUATION,
        today + 4 * DAY,
        enrolment=enrolment,
        schedule_block=block,
    )
    template = AssessmentTemplateFactory(program=program)
    evaluation = AssessmentFactory(
        program=program,
        template=template,
        fellow=fellow,
        assessor=faculty,
        schedule_block=block,
        observed_on=today - 10 * DAY,
        due_date=today + 4 * DAY,
    )
    overdue = AssessmentFactory(
        program=program,
        template=template,
        fellow=fellow,
        assessor=faculty,
        observed_on=today - 30 * DAY,
        due_date=today - 10 * DAY,
    )
    self_template = AssessmentTemplateFactory(program=program, kind=AssessmentTemplate.Kind.SELF)
    self_assessment = AssessmentFactory(
        program=program,
        template=self_template,
        fellow=fellow,
        assessor=fellow,
        observed_on=today - 2 * DAY,
        due_date=today + 2 * DAY,
    )
    signed = AssessmentFactory(
        program=program,
        template=template,
        fellow=fellow,
        assessor=faculty,
        observed_on=today - 20 * DAY,
        status=Assessment.Status.SIGNED,
        signed_at=timezone.now(),
    )
    target = ProcedureTargetFactory(program=program, minimum=10)
    entry = ProcedureLogEntryFactory(
        program=program,
        fellow=fellow,
        supervisor=faculty,
        procedure_type=target.procedure_type,
        performed_on=today - 5 * DAY,
    )
    ProcedureLogEntry.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - 5 * DAY)
    return Scenario(
        people,
        fellow,
        faculty,
        ccc,
        final,
        far,
        rotation,
        evaluation,
        overdue,
        self_assessment,
        signed,
        entry,
    )


def _months_ago(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def add_fellows(people, year, count: int, faculty: Membership) -> None:
    """``count`` more fellows, each with a pending entry, an overdue assessment and a final
    deadline (used to show the sweep's query count does not grow with fellows)."""
    today = people.program.today()
    cohort = CohortFactory(program=people.program, academic_year=year, name=f"Extra {count}")
    template = AssessmentTemplateFactory(program=people.program)
    target = ProcedureTargetFactory(program=people.program, minimum=5)
    for _ in range(count):
        fellow = MembershipFactory(program=people.program, role=Role.FELLOW)
        enrolment = EnrolmentFactory(cohort=cohort, membership=fellow)
        Deadline.objects.create(
            program=people.program,
            academic_year=year,
            kind=Deadline.Kind.FINAL_SUMMATIVE,
            title="Final",
            due_date=today + 2 * DAY,
            enrolment=enrolment,
        )
        AssessmentFactory(
            program=people.program,
            template=template,
            fellow=fellow,
            assessor=faculty,
            observed_on=today - 30 * DAY,
            due_date=today - 20 * DAY,
        )
        entry = ProcedureLogEntryFactory(
            program=people.program,
            fellow=fellow,
            supervisor=faculty,
            procedure_type=target.procedure_type,
        )
        ProcedureLogEntry.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - 10 * DAY)
