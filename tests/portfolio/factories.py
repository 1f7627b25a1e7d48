"""Builders for the portfolio tests: the CCC set-up of ``tests.assessments`` (our fellow with a
mid-year review) plus a learning plan, goals and scholarly activity."""

import datetime

import factory

from portfolio.models import LearningGoal, LearningPlan, ScholarlyActivity
from portfolio.services import plan_create, plan_update
from tests.assessments.test_ccc_factories import ccc_setup, member
from tests.curriculum.factories import MembershipFactory

DUE = datetime.date(2027, 3, 31)


def goal_row(sub, goal="Place lumbar medial branch blocks independently.", **fields) -> dict:
    return {
        "id": None,
        "subcompetency": sub,
        "goal": goal,
        "actions": "Ten supervised blocks; review technique with faculty.",
        "due_on": DUE,
        "status": "open",
        "delete": False,
    } | fields


def goal_rows_of(plan, **overrides_by_index) -> list[dict]:
    """The plan's goals as ``plan_update`` rows (to change some and keep the rest)."""
    rows = []
    for index, goal in enumerate(plan.goals.order_by("order", "pk")):
        row = {
            "id": goal.pk,
            "subcompetency": goal.subcompetency,
            "goal": goal.goal,
            "actions": goal.actions,
            "due_on": goal.due_on,
            "status": goal.status,
            "delete": False,
        }
        rows.append(row | overrides_by_index.get(index, {}))
    return rows


def plan_setup(people, *, goals: int = 2, mentor: bool = False):
    """The CCC set-up, a plan after our fellow's mid-year review (started by the director) with
    ``goals`` goals; ``mentor``: our faculty member mentors it. Returns (ccc, plan)."""
    ccc = ccc_setup(people)
    plan = plan_create(
        actor=people.director,
        review=ccc.review,
        mentor=member(people, "faculty") if mentor else None,
    )
    if goals:
        rows = [
            goal_row(ccc.subs[index], goal=f"Goal number {index + 1}") for index in range(goals)
        ]
        plan = plan_update(actor=people.director, plan=plan, goals=rows)
    return ccc, plan


class ScholarlyActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScholarlyActivity

    fellow = factory.SubFactory(MembershipFactory, role="fellow")
    program = factory.SelfAttribute("fellow.program")
    kind = ScholarlyActivity.Kind.CONFERENCE
    title = factory.Sequence(lambda n: f"Poster on radiofrequency ablation outcomes {n}")
    role = ScholarlyActivity.Role.PRESENTER
    venue = "ASRA Pain Medicine Meeting"
    status = ScholarlyActivity.Status.PRESENTED
    started_on = datetime.date(2026, 8, 1)
    completed_on = datetime.date(2026, 11, 14)


class LearningPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPlan


class LearningGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningGoal

    goal = "Lead a family meeting on opioid tapering."
    due_on = DUE
