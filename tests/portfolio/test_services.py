import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from curriculum.models import Membership
from portfolio.models import LearningPlan, ScholarlyActivity
from portfolio.services import (
    goal_progress_update,
    plan_acknowledge,
    plan_create,
    plan_update,
    scholarly_create,
    scholarly_delete,
    scholarly_update,
)
from tests.assessments.test_ccc_factories import ccc_setup, member
from tests.curriculum.factories import MembershipFactory
from tests.portfolio.factories import goal_row, goal_rows_of, plan_setup

pytestmark = pytest.mark.django_db


def _agreed(people, plan):
    plan_acknowledge(actor=people.fellow, plan=plan)
    plan = plan_acknowledge(actor=people.director, plan=plan)
    assert plan.is_acknowledged
    return plan


def test_the_director_or_coordinator_starts_one_plan_per_review(ours):
    ccc = ccc_setup(ours)
    plan = plan_create(actor=ours.coordinator, review=ccc.review)
    assert (
        plan.fellow == ccc.fellow
        and plan.program == ours.program
        and plan.created_by == ours.coordinator
    )
    assert AuditEvent.objects.filter(action="learning_plan.create", object_id=str(plan.pk)).exists()
    with pytest.raises(ValidationError, match="already follows"):
        plan_create(actor=ours.director, review=ccc.review)
    assert LearningPlan.objects.count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellows_do_not_start_plans(ours, role):
    ccc = ccc_setup(ours)
    with pytest.raises(PermissionDenied):
        plan_create(actor=ours.user(role), review=ccc.review)


def test_the_mentor_must_be_faculty_of_the_program(ours, theirs):
    ccc = ccc_setup(ours)
    with pytest.raises(ValidationError):
        plan_create(actor=ours.director, review=ccc.review, mentor=member(ours, "fellow"))
    their_faculty = Membership.objects.get(program=theirs.program, role="faculty")
    with pytest.raises(ValidationError):
        plan_create(actor=ours.director, review=ccc.review, mentor=their_faculty)


def test_both_acknowledge_then_a_goal_text_change_clears_both(ours):
    _ccc, plan = plan_setup(ours)
    plan = _agreed(ours, plan)
    rows = goal_rows_of(plan)
    rows[0]["goal"] = "A different goal"
    plan = plan_update(actor=ours.fellow, plan=plan, goals=rows)
    assert plan.fellow_acknowledged_at is None and plan.staff_acknowledged_at is None
    assert plan.staff_acknowledged_by is None
    event = AuditEvent.objects.filter(action="learning_plan.update").latest("pk")
    assert event.changes["acknowledgements_cleared"] is True


@pytest.mark.parametrize(
    "change",
    [
        lambda rows, ccc: rows[0].update(due_on=datetime.date(2027, 5, 1)),
        lambda rows, ccc: rows[0].update(actions="Other actions"),
        lambda rows, ccc: rows[0].update(subcompetency=ccc.subs[5]),
        lambda rows, ccc: rows[1].update(delete=True),
        lambda rows, ccc: rows.append(goal_row(ccc.subs[3])),
    ],
    ids=["due date", "actions", "subcompetency", "goal removed", "goal added"],
)
def test_every_change_to_what_was_agreed_clears_the_acknowledgements(ours, change):
    ccc, plan = plan_setup(ours)
    plan = _agreed(ours, plan)
    rows = goal_rows_of(plan)
    change(rows, ccc)
    plan = plan_update(actor=ours.director, plan=plan, goals=rows)
    assert not plan.is_acknowledged
    assert plan.fellow_acknowledged_at is None and plan.staff_acknowledged_at is None


def test_progress_and_status_do_not_clear_the_acknowledgements(ours):
    _ccc, plan = plan_setup(ours)
    plan = _agreed(ours, plan)
    goal = plan.goals.first()
    goal = goal_progress_update(
        actor=ours.fellow, goal=goal, status="achieved", progress="Did twelve blocks."
    )
    assert goal.status == "achieved" and goal.progress_updated_at is not None
    rows = goal_rows_of(plan)
    rows[1]["status"] = "dropped"
    plan = plan_update(actor=ours.director, plan=plan, goals=rows)
    plan.refresh_from_db()
    assert plan.is_acknowledged
    assert AuditEvent.objects.filter(action="learning_goal.progress").count() == 1


def test_saving_an_unchanged_plan_keeps_the_acknowledgements_and_writes_no_event(ours):
    _ccc, plan = plan_setup(ours)
    plan = _agreed(ours, plan)
    before = AuditEvent.objects.count()
    plan = plan_update(actor=ours.director, plan=plan, goals=goal_rows_of(plan))
    assert plan.is_acknowledged and AuditEvent.objects.count() == before


def test_the_fellow_proposes_goals_but_does_not_name_the_mentor(ours):
    ccc, plan = plan_setup(ours, goals=0)
    plan = plan_update(actor=ours.fellow, plan=plan, goals=[goal_row(ccc.subs[0])])
    assert plan.goals.count() == 1
    with pytest.raises(PermissionDenied):
        plan_update(
            actor=ours.fellow, plan=plan, goals=goal_rows_of(plan), mentor=member(ours, "faculty")
        )


def test_a_goal_names_a_subcompetency_of_the_programs_milestones(ours, theirs):
    _ccc, plan = plan_setup(ours, goals=0)
    their = ccc_setup(theirs)
    with pytest.raises(ValidationError):
        plan_update(actor=ours.director, plan=plan, goals=[goal_row(their.subs[0])])
    assert plan.goals.count() == 0


def test_a_bad_row_saves_nothing(ours):
    ccc, plan = plan_setup(ours)
    rows = goal_rows_of(plan)
    rows[0]["goal"] = "Changed"
    rows.append(goal_row(ccc.subs[2], goal="Patient MRN 12345678 follow up"))
    with pytest.raises(ValidationError):
        plan_update(actor=ours.director, plan=plan, goals=rows)
    assert plan.goals.count() == 2 and not plan.goals.filter(goal="Changed").exists()


def test_a_mentor_edits_and_acknowledges_another_faculty_member_cannot(ours):
    ccc, plan = plan_setup(ours, mentor=True)
    plan = plan_acknowledge(actor=ours.faculty, plan=plan)
    assert plan.staff_acknowledged_by == ours.faculty
    plan = plan_update(
        actor=ours.faculty, plan=plan, goals=[*goal_rows_of(plan), goal_row(ccc.subs[4])]
    )
    assert plan.staff_acknowledged_at is None
    other = MembershipFactory(program=ours.program, role="faculty").user
    with pytest.raises(PermissionDenied):
        plan_acknowledge(actor=other, plan=plan)
    with pytest.raises(PermissionDenied):
        plan_update(actor=other, plan=plan, goals=goal_rows_of(plan))


def test_the_coordinator_edits_but_does_not_acknowledge(ours):
    _ccc, plan = plan_setup(ours)
    with pytest.raises(PermissionDenied):
        plan_acknowledge(actor=ours.coordinator, plan=plan)


def test_a_plan_without_goals_cannot_be_agreed(ours):
    _ccc, plan = plan_setup(ours, goals=0)
    with pytest.raises(ValidationError, match="at least one goal"):
        plan_acknowledge(actor=ours.fellow, plan=plan)


def test_acknowledging_twice_changes_nothing(ours):
    _ccc, plan = plan_setup(ours)
    first = plan_acknowledge(actor=ours.fellow, plan=plan).fellow_acknowledged_at
    assert plan_acknowledge(actor=ours.fellow, plan=plan).fellow_acknowledged_at == first
    assert AuditEvent.objects.filter(action="learning_plan.acknowledge").count() == 1


# --- Scholarly activity -----------------------------------------------------------------------

QI = {
    "kind": "qi",
    "title": "Reducing opioid co-prescribing with benzodiazepines",
    "role": "lead",
    "status": "in_progress",
    "started_on": datetime.date(2026, 9, 1),
}


def test_a_fellow_records_a_qi_project_with_its_aims(ours):
    with pytest.raises(ValidationError, match="aim statement"):
        scholarly_create(actor=ours.fellow, program=ours.program, data=QI)
    activity = scholarly_create(
        actor=ours.fellow,
        program=ours.program,
        data=QI | {"aims": "Cut co-prescribing by half by June 2027."},
    )
    assert activity.fellow == member(ours, "fellow")
    assert AuditEvent.objects.filter(action="scholarly.create").count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"link": "ftp://example.org/paper"},
        {"link": "javascript:alert(1)"},
        {"pmid": "12a45"},
        {"completed_on": datetime.date(2026, 8, 1)},
        {"title": "Case of patient MRN 12345678"},
    ],
)
def test_bad_scholarly_input_is_refused(ours, bad):
    data = QI | {"aims": "Cut co-prescribing.", "started_on": datetime.date(2026, 9, 1)} | bad
    with pytest.raises(ValidationError):
        scholarly_create(actor=ours.fellow, program=ours.program, data=data)
    assert ScholarlyActivity.objects.count() == 0


def test_only_the_fellow_changes_their_activity(ours):
    activity = scholarly_create(
        actor=ours.fellow, program=ours.program, data=QI | {"aims": "Cut co-prescribing."}
    )
    for user in (ours.director, ours.faculty):
        with pytest.raises(PermissionDenied):
            scholarly_update(actor=user, activity=activity, data={"status": "completed"})
        with pytest.raises(PermissionDenied):
            scholarly_delete(actor=user, activity=activity)
    with pytest.raises(PermissionDenied):
        scholarly_create(actor=ours.director, program=ours.program, data=QI)
    activity = scholarly_update(actor=ours.fellow, activity=activity, data={"status": "completed"})
    assert activity.status == "completed"
    scholarly_delete(actor=ours.fellow, activity=activity)
    assert not ScholarlyActivity.objects.exists()
    assert AuditEvent.objects.filter(action="scholarly.delete").count() == 1
