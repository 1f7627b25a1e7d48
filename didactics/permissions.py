"""Who may do what with didactics. Views gate with these; services enforce them. The role
groups are the named ones on ``Membership``; views load the program with the same groups."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
FELLOW_ROLES = (Role.FELLOW,)
# Only the director says who teaches (and so confirms objectives) on a rotation.
TEACHER_MANAGER_ROLES = (Role.DIRECTOR,)


def is_fellow(user, program: Program) -> bool:
    return has_program_role(user, program, FELLOW_ROLES)


def can_manage_calendar(user, program: Program) -> bool:
    """The coordinator and the director build the conference calendar and correct the roll."""
    return has_program_role(user, program, Membership.STAFF_ROLES)


def can_run_checkin(user, session) -> bool:
    """The session's presenter (while an active member) or the program's staff."""
    if not user.is_authenticated:
        return False
    presenter = session.presenter
    if presenter is not None and presenter.user_id == user.pk and presenter.is_active:
        return True
    return can_manage_calendar(user, session.program)


def can_manage_objectives(user, program: Program) -> bool:
    """The director and coordinator write objectives and add resources."""
    return has_program_role(user, program, Membership.STAFF_ROLES)


def can_manage_teachers(user, program: Program) -> bool:
    """Only the director says who teaches (and so confirms objectives) on a rotation."""
    return has_program_role(user, program, TEACHER_MANAGER_ROLES)


def can_confirm_objective(user, rotation) -> bool:
    """An active faculty member teaching on the rotation, or the program director."""
    if not user.is_authenticated:
        return False
    if has_program_role(user, rotation.program, TEACHER_MANAGER_ROLES):
        return True
    return rotation.teachers.filter(
        faculty__user=user, faculty__is_active=True, faculty__role=Role.FACULTY
    ).exists()
