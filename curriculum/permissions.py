"""Role predicates, used by views to gate and by services to enforce."""

from .models import Membership, Program


def has_program_role(user, program: Program, roles) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, program=program, role__in=list(roles), is_active=True
    ).exists()


def can_manage_roster(user, program: Program) -> bool:
    """Directors and coordinators run the roster; a superuser may too (GME office set-up)."""
    return bool(user.is_superuser) or has_program_role(user, program, Membership.STAFF_ROLES)


def can_manage_curriculum(user, program: Program) -> bool:
    """Only the program director loads or imports milestone sets (they drive ratings)."""
    return has_program_role(user, program, [Membership.Role.DIRECTOR])


def can_manage_schedule(user, program: Program) -> bool:
    """Directors and coordinators build the rotations and the fellows' schedule."""
    return can_manage_roster(user, program)


def can_view_audit(user, program: Program) -> bool:
    """The program director reads (and exports) the audit trail; nobody edits it. Here, not in
    ``audit``, because the program's own pages (below ``audit`` in the layers) link to it."""
    return has_program_role(user, program, [Membership.Role.DIRECTOR])
