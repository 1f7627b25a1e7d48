"""Builders for the annual program evaluation tests."""

import datetime

import factory

from curriculum.models import Membership
from program_evaluation.models import (
    ActionItem,
    AnnualProgramEvaluation,
    GraduateOutcome,
    ProgramEvaluationCommittee,
)
from tests.curriculum.factories import ProgramFactory
from tests.trainees.factories import AcademicYearFactory

Role = Membership.Role


def member(people, role: str) -> Membership:
    return Membership.objects.get(program=people.program, user=people.user(role), role=role)


def pec(people) -> ProgramEvaluationCommittee:
    """The program's committee: director, faculty and fellow (a valid composition)."""
    committee, _ = ProgramEvaluationCommittee.objects.get_or_create(program=people.program)
    committee.members.add(*(member(people, role) for role in ("director", "faculty", "fellow")))
    return committee


def year(people, start: int = 2026):
    return AcademicYearFactory(
        program=people.program,
        start_date=datetime.date(start, 7, 1),
        end_date=datetime.date(start + 1, 6, 30),
    )


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualProgramEvaluation

    program = factory.SubFactory(ProgramFactory)
    academic_year = factory.SubFactory(
        AcademicYearFactory, program=factory.SelfAttribute("..program")
    )


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    evaluation = factory.SubFactory(EvaluationFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner_name = "Program leadership"
    due_on = datetime.date(2027, 3, 1)


class GraduateOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GraduateOutcome

    program = factory.SubFactory(ProgramFactory)
    graduation_year = 2026
    graduate_name = factory.Sequence(lambda n: f"Graduate {n}")
    board_exam = GraduateOutcome.BoardExam.PASSED
    board_exam_year = 2026
    first_position = GraduateOutcome.Position.ACADEMIC


def evidence_world(people, *, fellows: int = 1, academic_year=None):
    """A year with ``fellows`` fellows enrolled in one cohort, each with a finalised mid-year CCC
    review (one level at the expected 2.5 or above, one below), a verified procedure of a type
    with a target of 1, a signed and a declined evaluation; and one graduate who passed."""
    from django.utils import timezone

    from assessments.models import (
        Assessment,
        AssessmentTemplate,
        CCCReview,
        ConsensusLevel,
        ReviewPeriod,
    )
    from curriculum.models import Subcompetency
    from curriculum.services import milestone_set_load_default
    from procedures.models import ProcedureLogEntry, ProcedureTarget
    from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory
    from tests.curriculum.factories import MembershipFactory
    from tests.procedures.factories import (
        ProcedureLogEntryFactory,
        ProcedureTargetFactory,
        ProcedureTypeFactory,
    )
    from tests.trainees.factories import CohortFactory, EnrolmentFactory
    from trainees.models import Cohort

    program = people.program
    academic_year = academic_year or year(people)
    if not Subcompetency.objects.filter(milestone_set__program=program).exists():
        milestone_set_load_default(actor=None, program=program)
    subs = list(Subcompetency.objects.filter(milestone_set__program=program).order_by("pk")[:2])
    cohort = Cohort.objects.filter(program=program, academic_year=academic_year).first()
    cohort = cohort or CohortFactory(program=program, academic_year=academic_year)
    period, _ = ReviewPeriod.objects.get_or_create(
        program=program,
        academic_year=academic_year,
        kind=ReviewPeriod.Kind.MIDYEAR,
        defaults={
            "starts_on": academic_year.start_date,
            "ends_on": datetime.date(academic_year.start_date.year, 12, 31),
        },
    )
    target = ProcedureTarget.objects.filter(program=program).first()
    if target is None:
        target = ProcedureTargetFactory(
            program=program, procedure_type=ProcedureTypeFactory(program=program), minimum=1
        )
    kind = target.procedure_type
    template = AssessmentTemplate.objects.filter(program=program).first()
    template = template or AssessmentTemplateFactory(
        program=program, milestone_set=subs[0].milestone_set
    )
    faculty = member(people, "faculty")
    first = member(people, "fellow")
    members = [] if first.enrolments.exists() else [first]
    members += [
        MembershipFactory(program=program, role=Role.FELLOW) for _ in range(fellows - len(members))
    ]
    for fellow in members:
        EnrolmentFactory(cohort=cohort, membership=fellow)
        review = CCCReview.objects.create(
            period=period,
            fellow=fellow,
            status=CCCReview.Status.FINALISED,
            finalised_at=timezone.now(),
        )
        for sub, level in zip(subs, ("3.0", "1.5"), strict=True):
            ConsensusLevel.objects.create(
                review=review, subcompetency=sub, level=level, recorded_by=people.director
            )
        ProcedureLogEntryFactory(
            program=program,
            fellow=fellow,
            supervisor=faculty,
            procedure_type=kind,
            performed_on=academic_year.start_date + datetime.timedelta(days=30),
            status=ProcedureLogEntry.Status.VERIFIED,
            verified_by=faculty.user,
            verified_at=timezone.now(),
        )
        AssessmentFactory(
            program=program,
            template=template,
            fellow=fellow,
            assessor=faculty,
            observed_on=academic_year.start_date + datetime.timedelta(days=40),
            status=Assessment.Status.SIGNED,
            signed_at=timezone.now(),
        )
        AssessmentFactory(
            program=program,
            template=template,
            fellow=fellow,
            assessor=faculty,
            observed_on=academic_year.start_date + datetime.timedelta(days=40),
            status=Assessment.Status.DECLINED,
            closed_at=timezone.now(),
        )
    if not GraduateOutcome.objects.filter(program=program).exists():
        GraduateOutcomeFactory(program=program, graduation_year=academic_year.end_date.year)
    return academic_year
