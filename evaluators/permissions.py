"""Who may ask for, revoke and read evaluations by people without an account."""

from assessments.permissions import can_view_fellow_progress
from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
# Who asks for evaluations: a fellow about their own work, the director about any fellow. No
# Membership role group is this pair, so it is named here, once.
SENDER_ROLES = (Role.FELLOW, Role.DIRECTOR)


def can_send_request(user, program: Program) -> bool:
    """A fellow asks about their own work; the director asks about any fellow of the program."""
    return has_program_role(user, program, SENDER_ROLES)


def can_send_about_any_fellow(user, program: Program) -> bool:
    """The director asks about (and follows the requests for) every fellow of the program."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_send_about(user, fellow: Membership) -> bool:
    """``user`` may ask for an evaluation of ``fellow`` (an active fellow of the program)."""
    if not user.is_authenticated or fellow.role != Role.FELLOW or not fellow.is_active:
        return False
    if fellow.user_id == user.pk:
        return True
    return can_send_about_any_fellow(user, fellow.program)


def can_revoke(user, request) -> bool:
    """Whoever sent the request (while they still hold a sending role), or the director."""
    if not user.is_authenticated:
        return False
    if request.requested_by_id == user.pk and has_program_role(user, request.program, SENDER_ROLES):
        return True
    return can_send_about_any_fellow(user, request.program)


def can_view_fellows_evidence(user, program: Program) -> bool:
    """Besides the fellow, the people who follow the fellows' milestone trajectories read their
    multi-source evidence: the director, coordinator and faculty."""
    return has_program_role(user, program, Membership.OVERSIGHT_ROLES)


def can_see_evaluator_names(user, program: Program) -> bool:
    """Only the program's staff see who was asked; a fellow or faculty member sees the roles."""
    return has_program_role(user, program, Membership.STAFF_ROLES)


def can_view_evidence(user, fellow: Membership) -> bool:
    """The fellow themself, or the director, coordinator or faculty of the fellow's program."""
    return can_view_fellow_progress(user, fellow)
