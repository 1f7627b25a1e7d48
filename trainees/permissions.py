"""Who may see and change the training pathway. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import can_manage_roster, has_program_role


def can_view_cohorts(user, program: Program) -> bool:
    """Faculty teach and assess fellows, so they see cohorts, profiles and the whole schedule
    with the staff; a fellow sees only their own pathway."""
    return has_program_role(user, program, Membership.OVERSIGHT_ROLES)


def can_manage_pathway(user, program: Program) -> bool:
    """Directors and coordinators (and the GME office) record cohorts and pathways.

    A fellow reads their own pathway but may not edit it in this round.
    """
    return can_manage_roster(user, program)
