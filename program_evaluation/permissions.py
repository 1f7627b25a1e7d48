"""Who may see and change the annual program evaluation.

- The program director appoints the committee, writes the review and signs it.
- The coordinator reads everything and maintains the graduates' outcomes (coordinators keep
  those records in most programs).
- Faculty on the Program Evaluation Committee read the reviews; other faculty do not.
- Fellows do not open these pages, not even fellows on the committee: the evidence page names
  the fellows below their expected milestone levels and shows the cohort's case logs, which a
  fellow never sees of their peers (a fellow sees only their own record). Fellow members take
  part in the meeting; the director shares the aggregate findings there.
Everyone else gets a 404.
"""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
STAFF_ROLES = Membership.STAFF_ROLES


def is_pec_faculty(user, program: Program) -> bool:
    """An active faculty membership of ``program`` that is on the program's committee."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        program=program,
        user=user,
        role=Role.FACULTY,
        is_active=True,
        pec_committees__program=program,
    ).exists()


def can_view_evaluations(user, program: Program) -> bool:
    return has_program_role(user, program, STAFF_ROLES) or is_pec_faculty(user, program)


def can_write_evaluations(user, program: Program) -> bool:
    return has_program_role(user, program, [Role.DIRECTOR])


def can_manage_outcomes(user, program: Program) -> bool:
    return has_program_role(user, program, STAFF_ROLES)
