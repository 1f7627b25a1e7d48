"""Writing learning plans and scholarly activity. Every change is audited.

The agreement rule: a plan is agreed when the fellow and, for the program, the director or the
mentor have acknowledged it. Changing what was agreed - a goal's subcompetency, text, actions or
due date, or adding or removing a goal - clears both acknowledgements (the page says so); a
goal's status and progress are not part of the agreement and never clear them.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import CCCReview
from audit.services import audit_record
from curriculum.models import Membership, Program

from .models import LearningGoal, LearningPlan, ScholarlyActivity
from .permissions import (
    can_acknowledge_for_program,
    can_edit_plan,
    can_keep_scholarly,
    can_manage_plans,
    is_plan_fellow,
)
from .selectors import plan_review_subcompetencies

Role = Membership.Role
# The goal fields both sides agree to; changing one clears the acknowledgements.
AGREED_FIELDS = ("subcompetency", "goal", "actions", "due_on")
UNCHANGED = object()


def _check_mentor(program: Program, mentor: Membership | None) -> None:
    if mentor is None:
        return
    if mentor.program_id != program.pk or mentor.role != Role.FACULTY or not mentor.is_active:
        raise ValidationError({"mentor": "The mentor must be a faculty member of this program."})


@transaction.atomic
def plan_create(*, actor, review: CCCReview, mentor: Membership | None = None) -> LearningPlan:
    """The director or coordinator starts the plan that follows ``review``."""
    program = review.period.program
    if not can_manage_plans(actor, program):
        raise PermissionDenied("Only the director or the coordinator starts a learning plan.")
    if LearningPlan.objects.filter(ccc_review=review).exists():
        raise ValidationError("A learning plan already follows this review.")
    _check_mentor(program, mentor)
    plan = LearningPlan(
        program=program, fellow=review.fellow, ccc_review=review, mentor=mentor, created_by=actor
    )
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action="learning_plan.create",
        obj=plan,
        changes={"ccc_review": [None, review.pk], "mentor": [None, mentor.pk if mentor else None]},
    )
    return plan


def _locked(plan: LearningPlan) -> LearningPlan:
    return (
        LearningPlan.objects.select_for_update(of=("self",))
        .select_related("program", "fellow", "mentor", "ccc_review")
        .get(pk=plan.pk)
    )


def _clear_acknowledgements(plan: LearningPlan) -> bool:
    had = plan.fellow_acknowledged_at is not None or plan.staff_acknowledged_at is not None
    plan.fellow_acknowledged_at = None
    plan.staff_acknowledged_at = None
    plan.staff_acknowledged_by = None
    return had


@transaction.atomic
def plan_update(*, actor, plan: LearningPlan, goals: list[dict], mentor=UNCHANGED) -> LearningPlan:
    """Save a plan's goals (and, for the director or coordinator, its mentor).

    ``goals``: one dict per goal row, ``id`` (None for a new goal), ``subcompetency``, ``goal``,
    ``actions``, ``due_on``, ``status`` and ``delete``. Rows without an id that are marked
    deleted are ignored. Clears both acknowledgements when an agreed field changed.
    """
    plan = _locked(plan)
    if not can_edit_plan(actor, plan):
        raise PermissionDenied("You cannot change this plan.")
    changes: dict = {}
    if mentor is not UNCHANGED and mentor != plan.mentor:
        if not can_manage_plans(actor, plan.program):
            raise PermissionDenied("Only the director or the coordinator names the mentor.")
        _check_mentor(plan.program, mentor)
        changes["mentor"] = [plan.mentor_id, mentor.pk if mentor else None]
        plan.mentor = mentor
    allowed = set(plan_review_subcompetencies(plan=plan).values_list("pk", flat=True))
    existing = {goal.pk: goal for goal in plan.goals.all()}
    agreed_changed = False
    added, removed, changed = [], [], {}
    to_save, to_delete = [], []
    for order, row in enumerate(goals):
        goal_id = row.get("id")
        if goal_id is not None and goal_id not in existing:
            raise ValidationError("A goal in the form does not belong to this plan.")
        if row.get("delete"):
            if goal_id is not None:
                to_delete.append(existing[goal_id])
            continue
        subcompetency = row["subcompetency"]
        if subcompetency is None or subcompetency.pk not in allowed:
            raise ValidationError(
                {"subcompetency": "Choose a subcompetency of the program's milestones."}
            )
        goal = existing[goal_id] if goal_id is not None else LearningGoal(plan=plan)
        before = {name: getattr(goal, name, None) for name in (*AGREED_FIELDS, "status")}
        if goal.pk is None:
            before = {}
        goal.subcompetency = subcompetency
        goal.goal = row["goal"]
        goal.actions = row.get("actions", "")
        goal.due_on = row["due_on"]
        goal.status = row.get("status") or LearningGoal.Status.OPEN
        goal.order = order
        goal.full_clean()
        if not before:
            added.append(goal)
            agreed_changed = True
        else:
            diff = {
                name: [_json(before[name]), _json(getattr(goal, name))]
                for name in before
                if before[name] != getattr(goal, name)
            }
            if diff:
                changed[goal.pk] = diff
            if any(name in diff for name in AGREED_FIELDS):
                agreed_changed = True
        to_save.append(goal)
    if to_delete:
        agreed_changed = True
    for goal in to_delete:
        removed.append(goal.pk)
        goal.delete()
    for goal in to_save:
        goal.save()
    if added:
        changes["goals_added"] = [goal.pk for goal in added]
    if removed:
        changes["goals_removed"] = removed
    if changed:
        changes["goals_changed"] = {str(pk): diff for pk, diff in changed.items()}
    if agreed_changed and _clear_acknowledgements(plan):
        changes["acknowledgements_cleared"] = True
    plan.full_clean()
    plan.save()
    if changes:
        audit_record(actor=actor, action="learning_plan.update", obj=plan, changes=changes)
    return plan


def _json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def plan_acknowledge(
    *, actor, plan: LearningPlan, now: datetime.datetime | None = None
) -> LearningPlan:
    """``actor`` agrees to the plan: the fellow for themselves, the director or the mentor for
    the program. Acknowledging twice changes nothing."""
    plan = _locked(plan)
    now = now or timezone.now()
    if not plan.goals.exists():
        raise ValidationError("Add at least one goal before agreeing to the plan.")
    if is_plan_fellow(actor, plan):
        if plan.fellow_acknowledged_at is not None:
            return plan
        plan.fellow_acknowledged_at = now
        changes = {"fellow_acknowledged_at": [None, now.isoformat()]}
    elif can_acknowledge_for_program(actor, plan):
        if plan.staff_acknowledged_at is not None:
            return plan
        plan.staff_acknowledged_at = now
        plan.staff_acknowledged_by = actor
        changes = {"staff_acknowledged_at": [None, now.isoformat()]}
    else:
        raise PermissionDenied("Only the fellow and the director or mentor agree to a plan.")
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="learning_plan.acknowledge", obj=plan, changes=changes)
    return plan


@transaction.atomic
def goal_progress_update(*, actor, goal: LearningGoal, status: str, progress: str) -> LearningGoal:
    """Record what was done toward a goal and its status; the agreement stands."""
    goal = (
        LearningGoal.objects.select_for_update(of=("self",))
        .select_related("plan__program", "plan__fellow", "plan__mentor", "subcompetency")
        .get(pk=goal.pk)
    )
    if not can_edit_plan(actor, goal.plan):
        raise PermissionDenied("You cannot change this plan.")
    before = {"status": goal.status, "progress": goal.progress}
    goal.status = status
    goal.progress = progress
    goal.full_clean()
    diff = {
        name: [before[name], getattr(goal, name)]
        for name in before
        if before[name] != getattr(goal, name)
    }
    if not diff:
        return goal
    goal.progress_updated_at = timezone.now()
    goal.save()
    audit_record(
        actor=actor,
        action="learning_goal.progress",
        obj=goal,
        program=goal.plan.program,
        changes=diff,
    )
    return goal


# --- Scholarly activity -----------------------------------------------------------------------

SCHOLARLY_FIELDS = (
    "kind",
    "title",
    "role",
    "venue",
    "status",
    "started_on",
    "completed_on",
    "link",
    "pmid",
    "aims",
    "notes",
)


def _fellow_membership(actor, program: Program) -> Membership:
    if not can_keep_scholarly(actor, program):
        raise PermissionDenied("Fellows record their own scholarly activity.")
    return Membership.objects.get(program=program, user=actor, role=Role.FELLOW, is_active=True)


@transaction.atomic
def scholarly_create(*, actor, program: Program, data: dict) -> ScholarlyActivity:
    """A fellow records a project, presentation or publication."""
    fellow = _fellow_membership(actor, program)
    activity = ScholarlyActivity(program=program, fellow=fellow)
    for name in SCHOLARLY_FIELDS:
        setattr(activity, name, data.get(name) if data.get(name) is not None else _empty(name))
    activity.full_clean()
    activity.save()
    audit_record(
        actor=actor,
        action="scholarly.create",
        obj=activity,
        changes={
            name: [None, _json(getattr(activity, name))] for name in ("kind", "title", "status")
        },
    )
    return activity


def _empty(name: str):
    return None if name in ("started_on", "completed_on") else ""


def _own(actor, activity: ScholarlyActivity) -> ScholarlyActivity:
    activity = (
        ScholarlyActivity.objects.select_for_update(of=("self",))
        .select_related("fellow", "program")
        .get(pk=activity.pk)
    )
    fellow = activity.fellow
    if fellow.user_id != actor.pk or not fellow.is_active or fellow.role != Role.FELLOW:
        raise PermissionDenied("Only the fellow changes their scholarly activity.")
    return activity


@transaction.atomic
def scholarly_update(*, actor, activity: ScholarlyActivity, data: dict) -> ScholarlyActivity:
    activity = _own(actor, activity)
    before = {name: getattr(activity, name) for name in SCHOLARLY_FIELDS}
    for name in SCHOLARLY_FIELDS:
        if name in data:
            setattr(activity, name, data[name] if data[name] is not None else _empty(name))
    activity.full_clean()
    activity.save()
    diff = {
        name: [_json(before[name]), _json(getattr(activity, name))]
        for name in SCHOLARLY_FIELDS
        if before[name] != getattr(activity, name)
    }
    if diff:
        audit_record(actor=actor, action="scholarly.update", obj=activity, changes=diff)
    return activity


@transaction.atomic
def scholarly_delete(*, actor, activity: ScholarlyActivity) -> None:
    activity = _own(actor, activity)
    audit_record(
        actor=actor,
        action="scholarly.delete",
        obj=activity,
        changes={"kind": [activity.kind, None], "title": [activity.title, None]},
    )
    activity.delete()
