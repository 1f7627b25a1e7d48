import datetime

import pytest

from assessments.services.ccc import ccc_packets_assemble
from portfolio.evidence import learning_plan_evidence, scholarly_evidence
from portfolio.models import LearningGoal
from portfolio.selectors import (
    goal_list,
    home_plan_summary,
    learning_plan_summary,
    plan_list,
    plan_rows,
    scholarly_summary,
)
from portfolio.services import goal_progress_update, plan_acknowledge
from tests.assessments.test_ccc_factories import member
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory
from tests.portfolio.factories import ScholarlyActivityFactory, plan_setup

pytestmark = pytest.mark.django_db


def test_who_sees_a_plan(ours, theirs):
    _ccc, plan = plan_setup(ours, mentor=True)
    for user in (ours.director, ours.coordinator, ours.faculty, ours.fellow):
        assert list(plan_list(user=user, program=ours.program)) == [plan]
    other_fellow = MembershipFactory(program=ours.program, role="fellow").user
    other_faculty = MembershipFactory(program=ours.program, role="faculty").user
    for user in (other_fellow, other_faculty, theirs.director, theirs.fellow):
        assert not plan_list(user=user, program=ours.program).exists()
        assert not goal_list(user=user, program=ours.program).exists()


def test_the_plan_rows_give_every_fellow_to_staff_and_mentored_ones_to_faculty(ours):
    _ccc, plan = plan_setup(ours, mentor=True)
    MembershipFactory(program=ours.program, role="fellow")
    rows = plan_rows(user=ours.coordinator, program=ours.program)
    assert len(rows) == 2 and [row["plan"] for row in rows].count(plan) == 1
    assert [row["plan"] for row in plan_rows(user=ours.faculty, program=ours.program)] == [plan]


def test_home_plan_summary_counts_goals_in_one_query(ours, django_assert_num_queries):
    _ccc, plan = plan_setup(ours, goals=3)
    goals = list(plan.goals.order_by("order"))
    goal_progress_update(actor=ours.fellow, goal=goals[0], status="achieved", progress="Done")
    LearningGoal.objects.filter(pk=goals[1].pk).update(due_on=datetime.date(2020, 1, 1))
    fellow = member(ours, "fellow")
    fellow = type(fellow).objects.select_related("program").get(pk=fellow.pk)  # as the home has it
    with django_assert_num_queries(1):
        summary = home_plan_summary(fellow)
    assert summary["goals"] == 3 and summary["achieved"] == 1 and summary["open"] == 2
    assert summary["overdue"] == 1 and summary["needs_my_acknowledgement"]
    assert summary["url"] == plan.get_absolute_url() and not summary["acknowledged"]


def test_home_plan_summary_is_none_without_a_plan(ours):
    assert home_plan_summary(member(ours, "fellow")) is None


def test_the_next_packet_shows_the_previous_plan_and_what_was_done(ours):
    ccc, plan = plan_setup(ours)
    goal = plan.goals.order_by("order").first()
    goal_progress_update(actor=ours.fellow, goal=goal, status="achieved", progress="Did 12 blocks")
    plan_acknowledge(actor=ours.fellow, plan=plan)
    assert learning_plan_evidence(user=ours.director, fellow=ccc.fellow, period=ccc.midyear) is None
    data = learning_plan_evidence(user=ours.director, fellow=ccc.fellow, period=ccc.year_end)
    assert data["follows"] == str(ccc.midyear)
    assert (
        data["goals"][0]["status"] == "achieved" and data["goals"][0]["progress"] == "Did 12 blocks"
    )
    assert data["fellow_acknowledged_on"] and data["staff_acknowledged_on"] == ""
    [review] = ccc_packets_assemble(actor=ours.director, period=ccc.year_end)
    assert review.fellow == ccc.fellow


def test_the_packet_sections_take_fixed_queries(ours):
    ccc, plan = plan_setup(ours)
    fellow = ccc.fellow

    def grow(n):
        for _ in range(n):
            LearningGoal.objects.create(
                plan=plan, subcompetency=ccc.subs[0], goal="More", due_on=datetime.date(2027, 1, 1)
            )
            ScholarlyActivityFactory(fellow=fellow, program=ours.program)

    assert_constant_queries(
        {
            "plan": lambda: learning_plan_evidence(user=None, fellow=fellow, period=ccc.year_end),
            "scholarly": lambda: scholarly_evidence(user=None, fellow=fellow, period=ccc.midyear),
        },
        grow,
        exactly={"plan": 2, "scholarly": 1},
    )


def test_scholarly_evidence_marks_the_periods_new_items(ours):
    ccc, _plan = plan_setup(ours, goals=0)
    old = ScholarlyActivityFactory(
        fellow=ccc.fellow,
        title="Earlier poster",
        started_on=datetime.date(2026, 1, 1),
        completed_on=datetime.date(2026, 3, 1),
    )
    ScholarlyActivityFactory(fellow=ccc.fellow, title="Poster this period")
    ScholarlyActivityFactory(
        fellow=ccc.fellow, title="Later", started_on=datetime.date(2027, 2, 1), completed_on=None
    )
    rows = scholarly_evidence(user=None, fellow=ccc.fellow, period=ccc.midyear)
    assert [(row["title"], row["new"]) for row in rows] == [
        ("Poster this period", True),
        (old.title, False),
    ]


def test_scholarly_summary_for_the_program_evaluation(ours, theirs):
    fellow = member(ours, "fellow")
    MembershipFactory(program=ours.program, role="fellow")
    ScholarlyActivityFactory(fellow=fellow)  # presented Nov 2026
    ScholarlyActivityFactory(
        fellow=fellow,
        kind="qi",
        aims="Halve co-prescribing.",
        title="QI",
        started_on=datetime.date(2027, 1, 10),
        completed_on=None,
    )
    ScholarlyActivityFactory(
        fellow=fellow, started_on=datetime.date(2025, 1, 1), completed_on=datetime.date(2025, 6, 1)
    )
    ScholarlyActivityFactory(fellow=member(theirs, "fellow"))
    start, end = datetime.date(2026, 7, 1), datetime.date(2027, 6, 30)
    summary = scholarly_summary(program=ours.program, start=start, end=end)
    assert summary["fellows"] == 2 and summary["fellows_with_activity"] == 1
    assert {row["kind"]: row["count"] for row in summary["by_kind"]} == {
        "Conference presentation (poster or oral)": 1,
        "Quality improvement project": 1,
    }
    assert sorted(item["date"] for item in summary["items"]) == [
        datetime.date(2026, 11, 14),
        datetime.date(2027, 1, 10),
    ]
    assert set(summary["items"][0]) == {"fellow", "kind", "title", "status", "date"}

    def grow(n):
        for _ in range(n):
            ScholarlyActivityFactory(fellow=MembershipFactory(program=ours.program))

    assert_constant_queries(
        lambda: scholarly_summary(program=ours.program, start=start, end=end), grow, exactly=2
    )


def Membership_of(people):
    return member(people, "fellow")


def test_learning_plan_summary_for_the_program_evaluation(ours):
    _ccc, plan = plan_setup(ours, goals=3)
    goals = list(plan.goals.order_by("order"))
    goal_progress_update(actor=ours.fellow, goal=goals[0], status="achieved", progress="Done")
    LearningGoal.objects.filter(pk=goals[1].pk).update(due_on=datetime.date(2026, 8, 1))
    plan_acknowledge(actor=ours.fellow, plan=plan)
    plan_acknowledge(actor=ours.director, plan=plan)
    start, end = datetime.date(2026, 7, 1), datetime.date(2027, 6, 30)
    summary = learning_plan_summary(program=ours.program, start=start, end=end)
    assert summary == {"plans": 1, "acknowledged": 1, "goals": 3, "achieved": 1, "overdue": 1}
    earlier = learning_plan_summary(
        program=ours.program, start=datetime.date(2025, 7, 1), end=datetime.date(2026, 6, 30)
    )
    assert earlier == {"plans": 0, "acknowledged": 0, "goals": 0, "achieved": 0, "overdue": 0}
