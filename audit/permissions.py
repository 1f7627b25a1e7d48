from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role


def can_view_audit(user, program: Program) -> bool:
    """The program director reads (and exports) the trail; nobody edits it."""
    return has_program_role(user, program, [Membership.Role.DIRECTOR])
