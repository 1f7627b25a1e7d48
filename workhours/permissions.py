"""Who logs and who reads a fellow's work hours: the fellow logs their own; the director and
coordinator read every fellow's week (read only). Faculty and other fellows see none."""

from curriculum.models import Membership
from curriculum.permissions import has_program_role

Role = Membership.Role
READER_ROLES = Membership.STAFF_ROLES


def can_log_hours(user, fellow: Membership) -> bool:
    """``user`` is ``fellow``, an active fellow of the program."""
    return (
        user.is_authenticated
        and fellow.user_id == user.pk
        and fellow.role == Role.FELLOW
        and fellow.is_active
    )


def can_view_hours(user, fellow: Membership) -> bool:
    return can_log_hours(user, fellow) or (
        fellow.role == Role.FELLOW and has_program_role(user, fellow.program, READER_ROLES)
    )
