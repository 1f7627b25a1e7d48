"""Who may see and change the training pathway. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import can_manage_roster, has_program_role

# Faculty teach and assess fellows, so they see cohorts and profiles; only staff change them.
COHORT_VIEWER_ROLES = (*Membership.STAFF_ROLES, Membership.Role.FACULTY)


def can_view_cohorts(user, program: Program) -> bool:
    return has_program_role(user, program, COHORT_VIEWER_ROLES)


def can_manage_pathway(user, program: Program) -> bool:
    """Directors and coordinators (and the GME office) record cohorts and pathways.

    A fellow reads their own pathway but may not edit it in this round.
    """
    return can_manage_roster(user, program)


def can_view_fellow(user, membership: Membership) -> bool:
    """The program's staff and faculty, or the fellow themself."""
    if not user.is_authenticated:
        return False
    if membership.user_id == user.pk and membership.role == Membership.Role.FELLOW:
        return True
    return can_view_cohorts(user, membership.program)
