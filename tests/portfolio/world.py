"""The portfolio objects of one side of the permission matrix's world (tests/trust/world.py):
``side_ids`` creates them for one fellow and faculty member and returns their URL ids."""

import datetime

from assessments.models import CCCReview
from portfolio.models import LearningGoal, LearningPlan
from tests.portfolio.factories import ScholarlyActivityFactory


def side_ids(people, fellow, faculty, shared: dict) -> dict:
    """URL keyword arguments (prefixed names, unique across apps) to the ids of this side's
    objects. ``fellow`` and ``faculty`` are Memberships; ``shared`` is tests/trust/world._shared.
    The side's faculty member mentors the side's plan (after the side's CCC review)."""
    review = CCCReview.objects.get(fellow=fellow, period=shared["period"])
    plan = LearningPlan.objects.create(
        program=people.program, fellow=fellow, ccc_review=review, mentor=faculty
    )
    sub = shared["milestone_set"].subcompetencies.order_by("pk").first()
    goal = LearningGoal.objects.create(
        plan=plan,
        subcompetency=sub,
        goal="Lead a tapering visit.",
        due_on=datetime.date(2027, 3, 1),
    )
    activity = ScholarlyActivityFactory(program=people.program, fellow=fellow)
    return {"pf_plan_id": plan.pk, "pf_goal_id": goal.pk, "pf_activity_id": activity.pk}
