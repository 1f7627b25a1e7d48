"""Who may do what with assessments and the Clinical Competency Committee's pages.

Views gate with these (and load the program with ``curriculum.access.program_for`` and the role
groups below); services call them again to enforce. Role groups are ``Membership``'s named ones,
so "who runs the CCC" is written once.
"""

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

Role = Membership.Role

# The assessment list: a fellow's own page, the director's and coordinator's list of all.
ASSESSMENT_LIST_ROLES = (Role.FELLOW, *Membership.STAFF_ROLES)
# Who builds the assessment forms: the director alone.
TEMPLATE_MANAGER_ROLES = (Role.DIRECTOR,)


def can_manage_templates(user, program: Program) -> bool:
    """The program director builds the assessment forms."""
    return has_program_role(user, program, TEMPLATE_MANAGER_ROLES)


def can_request(user, program: Program) -> bool:
    """Active fellows request assessments of their own work."""
    return has_program_role(user, program, [Role.FELLOW])


def can_fill(user, assessment) -> bool:
    """Only the named assessor, while their role in the program is active."""
    assessor = assessment.assessor
    return bool(user.is_authenticated and assessor.user_id == user.pk and assessor.is_active)


def can_decline(user, assessment) -> bool:
    """The named assessor may decline a fellow's request they have not signed; not a
    self-assessment, and not an end-of-rotation evaluation the program itself asked for."""
    return (
        can_fill(user, assessment)
        and assessment.requested_by_id is not None
        and assessment.assessor_id != assessment.fellow_id
        and assessment.status in assessment.OPEN_STATUSES
    )


def can_acknowledge(user, assessment) -> bool:
    return bool(
        user.is_authenticated
        and assessment.fellow.user_id == user.pk
        and assessment.fellow.is_active
        and assessment.status == assessment.Status.SIGNED
    )


def can_see_all_assessments(user, program: Program) -> bool:
    """The director and coordinator see (and return drafts of) every assessment of the program."""
    return has_program_role(user, program, Membership.STAFF_ROLES)


def can_view_fellow_progress(user, fellow: Membership) -> bool:
    """The fellow themself, or the director, coordinator or faculty of the fellow's program."""
    if not user.is_authenticated or fellow.role != Role.FELLOW:
        return False
    if fellow.user_id == user.pk:
        return fellow.is_active
    # By program id: the check costs one query and never loads the program row.
    return Membership.objects.filter(
        user=user, program_id=fellow.program_id, role__in=Membership.OVERSIGHT_ROLES, is_active=True
    ).exists()


# --- The Clinical Competency Committee ------------------------------------------------------------


def can_view_ccc(user, program: Program) -> bool:
    """The director, coordinator and faculty (the committee) see every packet of the program."""
    return has_program_role(user, program, Membership.OVERSIGHT_ROLES)


def can_manage_ccc(user, program: Program) -> bool:
    """The director and coordinator set up review periods, assemble packets and export."""
    return has_program_role(user, program, Membership.STAFF_ROLES)


def can_record_levels(user, program: Program) -> bool:
    """Committee members (the director and the program's faculty) record consensus levels."""
    return has_program_role(user, program, Membership.TEACHING_ROLES)


def can_manage_committee(user, program: Program) -> bool:
    """The program director appoints the Clinical Competency Committee and sets its quorum."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_finalise_ccc(user, program: Program) -> bool:
    """Only the program director finalises (signs) a review."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_write_summative(user, program: Program) -> bool:
    """Only the program director writes and signs the final summative evaluation."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_read_summatives(user, program: Program) -> bool:
    """The director and coordinator read every fellow's summative evaluation (the fellow reads
    their own once it is signed)."""
    return has_program_role(user, program, Membership.STAFF_ROLES)
