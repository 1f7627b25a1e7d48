"""Who reads and who writes the ABA reports: the director writes and signs, the coordinator
reads and exports (they submit the file to the ABA). Faculty and fellows do not see them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
READER_ROLES = Membership.STAFF_ROLES


def can_view_aba_reports(user, program: Program) -> bool:
    return has_program_role(user, program, READER_ROLES)


def can_write_aba_reports(user, program: Program) -> bool:
    return has_program_role(user, program, [Role.DIRECTOR])
