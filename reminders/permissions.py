"""Who may do what with reminders. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role


def can_manage_reminders(user, program: Program) -> bool:
    """The program director sees every reminder, changes the settings and sends now."""
    return has_program_role(user, program, [Membership.Role.DIRECTOR])


def is_program_member(user, program: Program) -> bool:
    """Anyone active in the program has a notification centre and preferences there."""
    return has_program_role(user, program, Membership.Role.values)
