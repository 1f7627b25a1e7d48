"""Who may do what with the case log. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role


def can_log(user, program: Program) -> bool:
    """Active fellows of the program log their own procedures."""
    return has_program_role(user, program, [Role.FELLOW])


def can_manage_catalogue(user, program: Program) -> bool:
    """The program director owns the catalogue and the targets."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_view_program_logs(user, program: Program) -> bool:
    """The director, coordinator and faculty follow every fellow's log and progress."""
    return has_program_role(user, program, Membership.OVERSIGHT_ROLES)


def can_view_fellow_log(user, fellow: Membership) -> bool:
    """The fellow themself, or the program's director, coordinator and faculty."""
    if not user.is_authenticated:
        return False
    if fellow.user_id == user.pk and fellow.role == Role.FELLOW and fellow.is_active:
        return True
    return can_view_program_logs(user, fellow.program)


def can_verify(user, entry) -> bool:
    """The entry's supervising faculty member (while active in the program), or the director."""
    if not user.is_authenticated:
        return False
    supervisor = entry.supervisor
    if supervisor.user_id == user.pk and supervisor.is_active:
        return True
    return has_program_role(user, entry.program, [Role.DIRECTOR])


def can_reopen_entries(user, program: Program) -> bool:
    """Only the director reopens verified entries."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_reopen(user, entry) -> bool:
    return can_reopen_entries(user, entry.program)
