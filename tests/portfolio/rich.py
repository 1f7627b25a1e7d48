"""Rows in every portfolio table for the all-tables round trip
(tests/transfer/test_program_round_trip_all_tables.build_rich_program)."""

import datetime

from django.utils import timezone

from assessments.models import CCCReview
from curriculum.models import Membership
from portfolio.models import LearningGoal, LearningPlan, ScholarlyActivity


def build_rich_rows(people, built) -> None:
    """``people``: ProgramPeople; ``built``: tests.scenario's build (fellow, faculty, ccc, ...)."""
    fellow = built.fellow
    mentor = Membership.objects.get(program=people.program, user=people.faculty, role="faculty")
    review = CCCReview.objects.filter(fellow=fellow).order_by("pk").first()
    now = timezone.now()
    plan = LearningPlan.objects.create(
        program=people.program,
        fellow=fellow,
        ccc_review=review,
        mentor=mentor,
        created_by=people.director,
        fellow_acknowledged_at=now,
        staff_acknowledged_at=now,
        staff_acknowledged_by=people.director,
    )
    sub = review.levels.select_related("subcompetency").first().subcompetency
    LearningGoal.objects.create(
        plan=plan,
        subcompetency=sub,
        goal="Run a multidisciplinary tapering meeting.",
        actions="Two observed meetings.",
        due_on=datetime.date(2027, 3, 1),
        status=LearningGoal.Status.ACHIEVED,
        progress="Led three meetings.",
        progress_updated_at=now,
    )
    ScholarlyActivity.objects.create(
        program=people.program,
        fellow=fellow,
        kind=ScholarlyActivity.Kind.QI,
        title="Naloxone co-prescribing",
        role=ScholarlyActivity.Role.LEAD,
        status=ScholarlyActivity.Status.IN_PROGRESS,
        started_on=datetime.date(2026, 9, 1),
        link="https://example.org/qi",
        pmid="",
        aims="Co-prescribe naloxone for 90% of patients on 50 MME or more by June 2027.",
    )
