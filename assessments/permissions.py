"""Who may do what with assessments. Views gate with these; services enforce them."""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role


def can_manage_templates(user, program: Program) -> bool:
    """The program director builds the assessment forms."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_request(user, program: Program) -> bool:
    """Active fellows request assessments of their own work."""
    return has_program_role(user, program, [Role.FELLOW])


def can_fill(user, assessment) -> bool:
    """Only the named assessor, while their role in the program is active."""
    assessor = assessment.assessor
    return bool(user.is_authenticated and assessor.user_id == user.pk and assessor.is_active)


def can_view_assessment(user, assessment) -> bool:
    """The assessor; the fellow once it is signed (never a draft about them); the director and
    coordinator. Never another fellow."""
    if not user.is_authenticated:
        return False
    if assessment.assessor.user_id == user.pk:
        return True
    if assessment.fellow.user_id == user.pk:
        return assessment.is_locked
    return has_program_role(user, assessment.program, Membership.STAFF_ROLES)


def can_acknowledge(user, assessment) -> bool:
    return bool(
        user.is_authenticated
        and assessment.fellow.user_id == user.pk
        and assessment.fellow.is_active
        and assessment.status == assessment.Status.SIGNED
    )


# Everyone who teaches the fellow may follow their milestone trajectory.
TRAJECTORY_VIEWER_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)


def can_view_fellow_progress(user, fellow: Membership) -> bool:
    """The fellow themself, or the director, coordinator or faculty of the fellow's program."""
    if not user.is_authenticated or fellow.role != Role.FELLOW:
        return False
    if fellow.user_id == user.pk:
        return fellow.is_active
    # By program id: the check costs one query and never loads the program row.
    return Membership.objects.filter(
        user=user, program_id=fellow.program_id, role__in=TRAJECTORY_VIEWER_ROLES, is_active=True
    ).exists()
