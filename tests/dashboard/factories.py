"""Builders for dashboard tests: a cohort in the current academic year, a small milestone set,
signed ratings and finalised CCC levels written straight to the tables."""

import datetime

import factory
from django.utils import timezone

from assessments.models import Assessment, CCCReview, ConsensusLevel, Rating, ReviewPeriod
from curriculum.models import Competency, Membership, Subcompetency
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    MilestoneSetFactory,
)
from tests.curriculum.factories import MembershipFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory
from trainees.models import AcademicYear, Deadline


def current_year(program, today: datetime.date | None = None):
    today = today or program.today()
    start = datetime.date(today.year if today.month >= 7 else today.year - 1, 7, 1)
    existing = AcademicYear.objects.filter(program=program, start_date=start).first()
    return existing or AcademicYearFactory(
        program=program, start_date=start, end_date=datetime.date(start.year + 1, 6, 30)
    )


def cohort_with_fellows(program, count: int, *, year=None, name: str = "Class of now"):
    """A cohort of ``count`` enrolled fellows in the academic year containing today."""
    year = year or current_year(program)
    cohort = CohortFactory(program=program, academic_year=year, name=name)
    enrolments = [
        EnrolmentFactory(cohort=cohort, membership__program=program) for _ in range(count)
    ]
    return cohort, enrolments


def milestone_subs(program, codes=("PC1", "PC4", "MK1")) -> list[Subcompetency]:
    milestone_set = MilestoneSetFactory(program=program)
    competency = Competency.objects.create(
        milestone_set=milestone_set, code="PC", name="Patient Care", order=1
    )
    return [
        Subcompetency.objects.create(
            milestone_set=milestone_set,
            competency=competency,
            code=code,
            title=f"Title of {code}",
            order=order,
        )
        for order, code in enumerate(codes, start=1)
    ]


def signed_assessment(fellow, assessor, *, observed_on, ratings, narrative="", template=None):
    """A signed assessment of ``fellow`` with ``ratings`` = {subcompetency: level}."""
    if template is None:
        milestone_set = next(iter(ratings)).milestone_set if ratings else None
        extra = {"milestone_set": milestone_set} if milestone_set else {}
        template = AssessmentTemplateFactory(program=fellow.program, **extra)
    assessment = AssessmentFactory(
        program=fellow.program,
        template=template,
        fellow=fellow,
        assessor=assessor,
        observed_on=observed_on,
        status=Assessment.Status.SIGNED,
        signed_at=timezone.now(),
        narrative=narrative,
    )
    for sub, level in ratings.items():
        Rating.objects.create(assessment=assessment, subcompetency=sub, level=level)
    return assessment


def finalised_ccc(fellow, recorded_by, *, year, levels, kind=ReviewPeriod.Kind.MIDYEAR):
    """A finalised CCC review of ``fellow`` with ``levels`` = {subcompetency: level}."""
    period, _ = ReviewPeriod.objects.get_or_create(
        program=fellow.program,
        academic_year=year,
        kind=kind,
        defaults={
            "starts_on": year.start_date,
            "ends_on": year.start_date.replace(month=12, day=31),
        },
    )
    review = CCCReview.objects.create(
        period=period,
        fellow=fellow,
        status=CCCReview.Status.FINALISED,
        finalised_at=timezone.now(),
    )
    for sub, level in levels.items():
        ConsensusLevel.objects.create(
            review=review, subcompetency=sub, level=level, recorded_by=recorded_by
        )
    return review


class DeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deadline

    program = factory.LazyAttribute(lambda o: o.academic_year.program)
    academic_year = factory.SubFactory(AcademicYearFactory)
    kind = Deadline.Kind.OTHER
    title = factory.Sequence(lambda n: f"Deadline {n}")
    due_date = factory.LazyFunction(datetime.date.today)


def faculty_of(program):
    return MembershipFactory(program=program, role=Membership.Role.FACULTY)
