"""Who may do what with reminders. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

# Reminder settings, the program's ledger, "send now" and "retry failed" are the director's.
MANAGER_ROLES = (Membership.Role.DIRECTOR,)


def can_manage_reminders(user, program: Program) -> bool:
    """The program director sees every reminder, changes the settings and sends now."""
    return has_program_role(user, program, MANAGER_ROLES)
