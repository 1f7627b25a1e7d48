"""Who may do what with reminders. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

# The program's ledger, "send now", "retry failed", chasing overdue assessors and the reminder
# settings belong to the people who run the program day to day: the director and coordinator.
MANAGER_ROLES = Membership.STAFF_ROLES


def can_manage_reminders(user, program: Program) -> bool:
    """The director and coordinator see every reminder, change the settings and send now."""
    return has_program_role(user, program, MANAGER_ROLES)
