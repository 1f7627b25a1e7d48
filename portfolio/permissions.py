"""Who sees and changes learning plans and scholarly activity.

Plans: the director and the coordinator create and edit any fellow's plan; a mentor (faculty,
named on the plan) sees and edits the plans they mentor; the fellow sees theirs, proposes goals and
records progress. The plan is agreed by the fellow and, for the program, by the director or the
mentor. Scholarly activity: each fellow keeps their own; the director and coordinator read the
program's.
"""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
STAFF_ROLES = Membership.STAFF_ROLES
# Who may open a plan page at all (each plan is then scoped by ``selectors.plan_list``).
PLAN_ROLES = Membership.ALL_ROLES
# Who may acknowledge: the fellow, and for the program the director or the mentor.
ACKNOWLEDGE_ROLES = (Role.DIRECTOR, Role.FACULTY, Role.FELLOW)


def can_manage_plans(user, program: Program) -> bool:
    """Create plans and name mentors: the director and the coordinator."""
    return has_program_role(user, program, STAFF_ROLES)


def is_plan_fellow(user, plan) -> bool:
    return plan.fellow.user_id == user.pk and plan.fellow.is_active


def is_plan_mentor(user, plan) -> bool:
    return plan.mentor is not None and plan.mentor.user_id == user.pk and plan.mentor.is_active


def can_view_plan(user, plan) -> bool:
    return (
        is_plan_fellow(user, plan)
        or is_plan_mentor(user, plan)
        or can_manage_plans(user, plan.program)
    )


# Editing goals and recording progress: everyone who sees the plan (it is agreed by both).
can_edit_plan = can_view_plan


def can_acknowledge_for_program(user, plan) -> bool:
    return is_plan_mentor(user, plan) or has_program_role(user, plan.program, [Role.DIRECTOR])


def can_view_cohort_scholarly(user, program: Program) -> bool:
    return has_program_role(user, program, STAFF_ROLES)


def can_keep_scholarly(user, program: Program) -> bool:
    """A fellow records their own scholarly activity."""
    return has_program_role(user, program, [Role.FELLOW])
