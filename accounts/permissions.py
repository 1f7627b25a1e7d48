"""Who may change a program's people and sign-in rules. Views gate with these; services enforce
them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role


def can_change_security(user, program: Program) -> bool:
    """Only the program director decides the program's sign-in rules (two-factor for staff)."""
    return has_program_role(user, program, [Membership.Role.DIRECTOR])
