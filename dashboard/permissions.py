"""Who sees the cohort dashboard: the program's director and coordinator."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

DASHBOARD_ROLES = Membership.STAFF_ROLES


def can_view_dashboard(user, program: Program) -> bool:
    return has_program_role(user, program, DASHBOARD_ROLES)
