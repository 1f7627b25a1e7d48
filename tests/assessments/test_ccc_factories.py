"""Builders shared by the CCC and summative tests (no tests here: ``factories.py`` belongs to the
assessment pages). A program with the Pain Medicine 2.0 milestones, the 2026-2027 year, the
``ours`` fellow enrolled, both review periods and the mid-year packets assembled."""

import datetime
from dataclasses import dataclass

from assessments.models import (
    Assessment,
    AssessmentTemplate,
    CCCReview,
    Rating,
    ReviewPeriod,
)
from assessments.selectors.unscoped import milestone_set_subcompetencies
from assessments.services.ccc import (
    ccc_levels_record,
    ccc_packets_assemble,
    ccc_review_finalise,
    review_periods_create,
)
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    committee_with_quorum,
)
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

Role = Membership.Role
YEAR_START = datetime.date(2026, 7, 1)


def member(people, role: str) -> Membership:
    return Membership.objects.get(program=people.program, user=people.user(role), role=role)


@dataclass
class CCC:
    people: object
    milestone_set: object
    subs: list
    year: object
    cohort: object
    midyear: ReviewPeriod
    year_end: ReviewPeriod
    fellow: Membership
    review: CCCReview

    def sub(self, code: str):
        return next(s for s in self.subs if s.code == code)


def ccc_setup(people, *, assemble: bool = True) -> CCC:
    milestone_set = milestone_set_load_default(actor=None, program=people.program)
    year = AcademicYearFactory(
        program=people.program, start_date=YEAR_START, end_date=datetime.date(2027, 6, 30)
    )
    cohort = CohortFactory(program=people.program, academic_year=year)
    fellow = member(people, Role.FELLOW)
    EnrolmentFactory(cohort=cohort, membership=fellow)
    midyear, year_end = review_periods_create(actor=people.director, academic_year=year)
    for period in (midyear, year_end):  # a committee met with a quorum: finalising may go ahead
        committee_with_quorum(period, people)
    review = None
    if assemble:
        [review] = ccc_packets_assemble(actor=people.director, period=midyear)
    return CCC(
        people=people,
        milestone_set=milestone_set,
        subs=milestone_set_subcompetencies(milestone_set),
        year=year,
        cohort=cohort,
        midyear=midyear,
        year_end=year_end,
        fellow=fellow,
        review=review,
    )


def all_levels(ccc: CCC, value: str = "3.0", **overrides) -> dict[int, str]:
    """A value for every subcompetency; ``PC4="3.5"`` overrides one."""
    return {sub.pk: overrides.get(sub.code, value) for sub in ccc.subs}


def finalise(ccc: CCC, review: CCCReview | None = None, **overrides):
    review = review or ccc.review
    ccc_levels_record(
        actor=ccc.people.director,
        review=review,
        levels=all_levels(ccc, **overrides),
        committee_notes="Strong mid-year progress.",
    )
    return ccc_review_finalise(actor=ccc.people.director, review=review, password=PASSWORD)


def template(ccc: CCC, kind=AssessmentTemplate.Kind.END_OF_ROTATION, codes=("PC1", "PC4")):
    tpl = AssessmentTemplateFactory(
        program=ccc.people.program, milestone_set=ccc.milestone_set, kind=kind
    )
    tpl.subcompetencies.set([ccc.sub(code) for code in codes])
    return tpl


def signed_assessment(
    ccc: CCC,
    tpl,
    observed_on: datetime.date,
    levels: dict[str, str | None],
    *,
    status=Assessment.Status.SIGNED,
    narrative="Careful and safe; work on consent.",
    amends=None,
    fellow=None,
) -> Assessment:
    """An assessment written straight to the table (``None`` level = not yet assessable)."""
    assessment = AssessmentFactory(
        program=ccc.people.program,
        template=tpl,
        fellow=fellow or ccc.fellow,
        assessor=member(ccc.people, Role.FACULTY),
        observed_on=observed_on,
        narrative=narrative,
        status=status,
        amends=amends,
        signed_at=None
        if status in (Assessment.Status.DRAFT, Assessment.Status.RETURNED)
        else datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    for code, level in levels.items():
        Rating.objects.create(
            assessment=assessment,
            subcompetency=ccc.sub(code),
            level=level,
            not_assessable=level is None,
        )
    return assessment
