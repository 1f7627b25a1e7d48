"""Who does what with confidential evaluations.

The director builds forms and reads every collection's results; the coordinator schedules
collections and follows completion (never results); a faculty member reads the results of
collections about themselves only; fellows answer their own invitations and see nothing else.
"""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
SCHEDULER_ROLES = Membership.STAFF_ROLES
LIST_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)
RESULT_ROLES = (Role.DIRECTOR, Role.FACULTY)


def can_build_forms(user, program: Program) -> bool:
    return has_program_role(user, program, [Role.DIRECTOR])


def can_schedule(user, program: Program) -> bool:
    return has_program_role(user, program, SCHEDULER_ROLES)


def can_see_completion(user, program: Program) -> bool:
    return has_program_role(user, program, SCHEDULER_ROLES)


def can_see_results(user, collection) -> bool:
    """The director, or the faculty member the collection is about."""
    program = collection.program
    if has_program_role(user, program, [Role.DIRECTOR]):
        return True
    return (
        collection.faculty_id is not None
        and collection.faculty.user_id == user.pk
        and has_program_role(user, program, [Role.FACULTY])
    )
