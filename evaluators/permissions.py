"""Who may ask for, revoke and read evaluations by people without an account."""

from assessments.permissions import can_view_fellow_progress
from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role
SENDER_ROLES = (Role.FELLOW, Role.DIRECTOR)
# Who reads a fellow's multi-source evidence besides the fellow: the same people who follow the
# fellow's milestone trajectory.
EVIDENCE_VIEWER_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)


def can_send_request(user, program: Program) -> bool:
    """A fellow asks about their own work; the director asks about any fellow of the program."""
    return has_program_role(user, program, SENDER_ROLES)


def can_send_about(user, fellow: Membership) -> bool:
    """``user`` may ask for an evaluation of ``fellow`` (an active fellow of the program)."""
    if not user.is_authenticated or fellow.role != Role.FELLOW or not fellow.is_active:
        return False
    if fellow.user_id == user.pk:
        return True
    return has_program_role(user, fellow.program, [Role.DIRECTOR])


def can_revoke(user, request) -> bool:
    """Whoever sent the request (while they still hold a sending role), or the director."""
    if not user.is_authenticated:
        return False
    if request.requested_by_id == user.pk and has_program_role(user, request.program, SENDER_ROLES):
        return True
    return has_program_role(user, request.program, [Role.DIRECTOR])


def can_view_evidence(user, fellow: Membership) -> bool:
    """The fellow themself, or the director, coordinator or faculty of the fellow's program."""
    return can_view_fellow_progress(user, fellow)
